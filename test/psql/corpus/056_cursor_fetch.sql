begin;
declare c cursor for select g from generate_series(1, 5) g;
fetch 2 from c;
move 1 in c;
fetch all from c;
close c;
commit;
