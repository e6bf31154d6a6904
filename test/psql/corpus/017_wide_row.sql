select g as c1, g+1 as c2, g+2 as c3, g+3 as c4, g+4 as c5, g+5 as c6, g+6 as c7, g+7 as c8,
       g+8 as c9, g+9 as c10, repeat('x', 300) as long_text, g::text || '-' || md5(g::text) as c12
from generate_series(1, 3) g;
