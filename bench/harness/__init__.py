"""The Cangku benchmark harness: starts registries, drives cangku-loadgen, reports."""
