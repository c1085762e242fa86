# Sphinx configuration of the tours' site (tools/site.py copies it next to the generated pages,
# with `site.json`, which carries what the build knows: the repository URL, the tours).
import json
from pathlib import Path

SITE = json.loads((Path(__file__).parent / "site.json").read_text())

project = "Mathematics of AI — numerical tours"
author = "the numerical-tours authors"
extensions = ["myst_nb"]
exclude_patterns = ["_build", "site.json"]
html_theme = "sphinx_book_theme"
html_title = project
html_static_path = ["_static"]
html_css_files = ["gallery.css"]
html_last_updated_fmt = None
myst_enable_extensions = ["dollarmath", "amsmath"]

# The notebooks were executed by `make tours` (its executor, stall guard and claims table):
# render them as they are, never execute them again.
nb_execution_mode = "off"
# No widget manager or require.js from a CDN: widget views were replaced by their last output.
nb_ipywidgets_js = {}
# MathJax 2.7 from the local copy (the pinned package jupyter-server-mathjax), not a CDN.
mathjax_path = "mathjax/MathJax.js?config=TeX-AMS-MML_HTMLorMML-full,Safe"
# myst-nb marks each notebook `mathjax_ignore` and lets its math through by class (its MathJax 3
# setting, `processHtmlClass`); MathJax 2 reads the same rule from `tex2jax`. That local copy
# ships only the STIX-Web fonts, not MathJax 2's default TeX web font: without the setting
# below, HTML-CSS output waits for font data that is not there.
mathjax2_config = {
    "tex2jax": {"processClass": "tex2jax_process|mathjax_process|math|output_area",
                "ignoreClass": "tex2jax_ignore|mathjax_ignore"},
    "HTML-CSS": {"availableFonts": [], "preferredFont": None, "webFont": "STIX-Web",
                 "imageFont": None},
    "SVG": {"font": "STIX-Web"},
    "messageStyle": "none",
}

html_theme_options = {
    "repository_url": SITE["repository"],
    "repository_branch": "main",
    "path_to_docs": "tours",
    "use_repository_button": True,
    "use_download_button": True,
    "use_fullscreen_button": False,
    "launch_buttons": {"colab_url": "https://colab.research.google.com",
                       "binderhub_url": "https://mybinder.org",
                       "notebook_interface": "jupyterlab"},
    "show_toc_level": 2,
    "navigation_with_keys": False,
}
