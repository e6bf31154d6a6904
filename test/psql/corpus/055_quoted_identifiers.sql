select 1 as "Mixed Case", 2 as "with ""quotes""", 3 as U&"d\0061ta";
