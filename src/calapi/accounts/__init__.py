"""Signing in to the settings pages: passwords, server-side sessions, one-time sign-in links."""
