# nbgrader's configuration of the tours' course, copied into the course directory by
# `python -m tools.nbgrader_course`. Run nbgrader from the repository root (`python -m nbgrader
# ... --course-dir build/nbgrader`) so that `tools` is importable here.
from tools.nbgrader_course import generate_preprocessors

c = get_config()  # noqa: F821 (defined by traitlets when it loads this file)
c.CourseDirectory.course_id = "numerical-tours"
# the student version of each exercise is this project's runnable stub, not NotImplementedError
c.GenerateAssignment.preprocessors = generate_preprocessors()
