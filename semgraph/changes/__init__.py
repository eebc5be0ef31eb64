"""The one pipeline every write goes through: validate → commit → audit → impact → alert."""
