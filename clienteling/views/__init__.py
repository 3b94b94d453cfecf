"""Views of the store associates' tablet app (thin: parse, call a selector or service, render)."""
