select g, g * g as sq, md5(g::text) from generate_series(1, 2000) g;
