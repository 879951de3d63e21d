"""Feedback models. (Exit-interview issue, confidential part.)"""
