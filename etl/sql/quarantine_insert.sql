-- Store a load's quarantined rows (`q`).
insert into quarantine select load_id, path, line, raw, reason from q
