select 1 as after_bom;
