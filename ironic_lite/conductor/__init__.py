"""Conductors: they own nodes through the hash ring and run every action on them."""
