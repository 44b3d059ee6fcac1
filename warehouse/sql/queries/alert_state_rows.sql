-- Every stored (alert, key, destination) state (columns: warehouse/alert_state.py STATE_COLUMNS).
select {columns} from alert_state
