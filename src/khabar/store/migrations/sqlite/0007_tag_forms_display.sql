-- Tag pages are addressed by a tag's display form; find its key from that form directly.
CREATE INDEX tag_forms_display ON tag_forms (display);
