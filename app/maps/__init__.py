"""The interactive "who meets where" map."""
