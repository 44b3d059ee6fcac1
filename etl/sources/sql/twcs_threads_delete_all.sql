-- Forget every stored case membership (before all are written again).
delete from twcs_threads
