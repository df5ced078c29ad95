"""The desktop window: PySide6 widgets and everything else that needs Qt (the only package that
imports it)."""
