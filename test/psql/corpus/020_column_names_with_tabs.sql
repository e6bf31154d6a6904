select 1 as "tab	inside", 2 as "new
line", 3 as "sp ace";
