"""Examples: the demo web app (``examples.demo_app``) and the example suite (``examples/tests``)."""
