select 1,
       2,
       nosuchcolumn
from generate_series(1, 2) g;
