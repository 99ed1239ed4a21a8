"""Panels of visits (issue 6): register with lib.panels.register."""
