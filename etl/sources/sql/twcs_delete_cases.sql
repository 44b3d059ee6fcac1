-- Remove every Twitter case (before all are rewritten).
delete from interactions where source = 'twcs'
