"""Plain-Python text tools for commissioning: no Django.

- ``embeddings``: sentence embeddings (all-MiniLM-L6-v2) in numpy, without PyTorch;
- ``themes``: groups "what matters to me" and goals into themes for needs analysis;
- ``readability``: reading age (Flesch, Flesch-Kincaid, SMOG) for board papers.
"""
