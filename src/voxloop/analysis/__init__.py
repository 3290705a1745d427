"""Django-free text understanding for VoxLoop: batch in, typed results out.

Apps call it only through :func:`voxloop.analysis.pipeline.analyze`.
"""
