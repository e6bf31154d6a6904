select g, 10 / (3 - g) from generate_series(1, 5) g;
