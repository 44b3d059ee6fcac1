-- The rows of a model in the scope, deleted before they are built again.
delete from {model} where {column} in (select {column} from {scope})
