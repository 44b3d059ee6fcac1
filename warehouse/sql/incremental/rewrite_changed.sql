-- Rewrite the model's rows whose key changed_{model} holds with those of rebuilt_{model}.
delete from {model} where {column} in (select {column} from changed_{model});
insert into {model}
select * from rebuilt_{model} where {column} in (select {column} from changed_{model})
