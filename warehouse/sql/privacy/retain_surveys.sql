update surveys set verbatim = null where responded_at < ? and verbatim is not null;
