set standard_conforming_strings = off;
select 'it\'s; escaped' as a;
select 'two\\' as b; set standard_conforming_strings = on; select 'three\' as c;
select 'four\' as d;
