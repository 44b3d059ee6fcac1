-- The catalog of the warehouse file, to name its stored relations past a temp view.
select current_database()
