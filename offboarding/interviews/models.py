"""Exit interview models. (Exit-interview issue.)"""
