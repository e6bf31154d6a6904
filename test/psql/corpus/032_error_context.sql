do $$
begin
  raise exception 'custom failure %', 42 using detail = 'the detail', hint = 'the hint';
end $$;
