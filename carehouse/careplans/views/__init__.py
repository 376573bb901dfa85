"""Care plan pages. Thin: read through ``selectors``, write through ``services``, format with presenters."""
