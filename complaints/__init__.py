"""Complaints: residents report a problem with a photo and a place; the kelurahan office of the
place verifies it and handles it or dispatches it to an agency, within the category's SLA."""
