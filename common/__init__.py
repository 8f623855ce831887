"""The lowest layer: plain helpers every app may use; it imports no app."""
