"""Development tools; not part of the plugin or its release zip."""
