"""Hatch build hook: compile weir's Cython extension in place, for editable and wheel builds.

The extension (:mod:`weir.telemetry.pipeline._native`, the telemetry flatten fast path) is built
next to its ``.pyx`` in ``src/``, so an editable install (``make install``, ``uv sync``) imports
it, and a wheel ships it (``artifacts`` in ``pyproject.toml``; the build files are not in git).
``[tool.uv] cache-keys`` rebuilds it when the ``.pyx`` changes. A machine without a C compiler
gets a warning and the pure-Python build: weir then flattens on the Python path (same rows).
"""

from __future__ import annotations

import contextlib
import tempfile
from typing import Any

from hatchling.builders.hooks.plugin.interface import BuildHookInterface

EXTENSIONS = {"weir.telemetry.pipeline._native": "src/weir/telemetry/pipeline/_native.pyx"}


class CythonBuildHook(BuildHookInterface):  # type: ignore[type-arg]
    """Cythonize and compile :data:`EXTENSIONS` in place before a wheel (or editable) build."""

    PLUGIN_NAME = "custom"

    def initialize(self, version: str, build_data: dict[str, Any]) -> None:
        if self.target_name != "wheel":
            return
        from Cython.Build import cythonize
        from setuptools import Distribution, Extension
        from setuptools.errors import BaseError, CCompilerError

        with contextlib.chdir(self.root), tempfile.TemporaryDirectory() as temp:
            extensions = [Extension(name, [source]) for name, source in EXTENSIONS.items()]
            # a .pyx that Cython rejects fails the build; a missing C toolchain does not
            modules = cythonize(extensions, language_level=3, quiet=True)
            dist = Distribution({"ext_modules": modules, "package_dir": {"": "src"}})
            build = dist.get_command_obj("build_ext")
            build.inplace = True
            build.build_temp = build.build_lib = temp  # nothing left in the tree
            try:
                build.ensure_finalized()
                build.run()
            except (BaseError, CCompilerError) as exc:  # no compiler, no Python headers …
                self.app.display_warning(
                    f"weir: native extensions not built ({exc}); the Python path will be used"
                )
                return
        build_data["pure_python"] = False
        build_data["infer_tag"] = True
