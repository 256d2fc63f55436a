"""Moving the old app's data in: the export format, its reader, loader, verifier and generator.

See ``docs/mock-data-format.md`` (the format) and
``docs/decisions/0003-how-the-migration-loads.md`` (why it loads the way it does).
"""
