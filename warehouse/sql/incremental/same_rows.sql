-- Whether temp table next_{model} holds the rows stored in {model} (as multisets): a model
-- rebuilt in full whose rows did not change is not written again (warehouse/build.py).
select not exists(
    (select * from {model}
    except all
    select * from next_{model})
    union all
    (select * from next_{model}
    except all
    select * from {model})
)
