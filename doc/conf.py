"""Sphinx configuration for sksym (built with ``make doc``, warnings are errors)."""

import os
import sys
import warnings

sys.path.insert(0, os.path.abspath(".."))
import sksym  # noqa: E402

project = "sksym"
author = "The sksym developers"
copyright = "2026, The sksym developers"
release = sksym.__version__
version = release

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.mathjax",
    "numpydoc",
    "sphinx_gallery.gen_gallery",
]

autosummary_generate = True
numpydoc_show_class_members = False
numpydoc_show_inherited_class_members = False
numpydoc_class_members_toctree = False
templates_path = ["_templates"]
exclude_patterns = ["_build", "**/README.txt", "auto_examples/*.ipynb", "auto_examples/*.py"]
html_theme = "pydata_sphinx_theme"
html_title = f"sksym {release}"
html_theme_options = {"navigation_with_keys": False, "show_prev_next": False}

sphinx_gallery_conf = {
    "examples_dirs": "../examples",
    "gallery_dirs": "auto_examples",
    "filename_pattern": r"/plot_",
    "download_all_examples": False,
    "remove_config_comments": True,
    "within_subsection_order": "FileNameSortKey",
    "matplotlib_animations": False,
}

warnings.filterwarnings("ignore", category=UserWarning, message="Matplotlib is currently using agg")
