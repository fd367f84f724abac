"""The bundled DATEV sandbox: a real HTTP server simulating DATEV's APIs (see ARCHITECTURE §4.4).

>>> from workbench.sandbox import start_sandbox
>>> with start_sandbox() as sandbox:  # doctest: +SKIP
...     print(sandbox.url)
"""

from workbench.sandbox.app import build_app
from workbench.sandbox.server import RunningSandbox, serve, start_sandbox

__all__ = ["RunningSandbox", "build_app", "serve", "start_sandbox"]
