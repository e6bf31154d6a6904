select (1 + (2 * 3)) as v, array[1,2] as arr, (select count(*) from (values (1),(2)) x(y)) as c;
