"""The api's request and response models: separate from DB rows (db/models.py) and workflow
dataclasses (domain/messages), so each can change without the others leaking out."""
