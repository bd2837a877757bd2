"""Gateway writes: link opening and session binding, PINs, recovery, completion."""
