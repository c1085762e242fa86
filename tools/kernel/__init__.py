"""Code the tools run *inside* a tour's kernel, each file loaded there by path (``runpy``): the
kernel's environment need not have the repository importable."""
