"""Exit interview services. (Exit-interview issue.)"""
