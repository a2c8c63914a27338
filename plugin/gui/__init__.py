"""The panel (面板) and its map tools; thin over plugin/core, plugin/layers and Processing."""
