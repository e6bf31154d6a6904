-- The built-in detectors of data masking (src/policy/detect.c) through
-- hoop_mcp.mask_text: per entity type, values that are masked and near
-- misses that are not; then several types at once, thresholds, preset
-- groups, the errors, multibyte text.
\set SHOW_CONTEXT never

-- EMAIL_ADDRESS
SELECT input, hoop_mcp.mask_text(input, '{EMAIL_ADDRESS}') AS masked
FROM (VALUES ('john.doe@example.com'),
             ('Contact: "Jane" <jane_doe+tag@mail.example.co.uk>.'),
             ('o''brien@example.ie'),
             ('''quoted@example.com'''),
             ('mailto:user@example.org?subject=hi'),
             ('user@xn--bcher-kva.example'),
             ('a@b@c.com'),
             ('user@localhost'),
             ('@handle'),
             ('a@b.c'),
             ('user@example.c0m'),
             ('name.@example.com'),
             ('user@-bad.com'),
             ('user@exa_mple.com')) AS t(input);

-- PHONE_NUMBER: +CC forms, national forms with separators, and numbers
-- that are not phones (counts, ids, amounts, dates, times, ZIP+4).
SELECT input, hoop_mcp.mask_text(input, '{PHONE_NUMBER}') AS masked
FROM (VALUES ('+44 20 7946 0958'),
             ('+1 (555) 123-4567'),
             ('+14155552671'),
             ('+33 1 23 45 67 89'),
             ('+49-30-1234567'),
             ('+44 (0)20 7946 0958'),
             ('+7 495 123-45-67'),
             ('(555) 123-4567'),
             ('555-123-4567'),
             ('555.123.4567'),
             ('1-800-555-1234'),
             ('020 7946 0958'),
             ('07911 123456'),
             ('(02) 9876 5432'),
             ('0044 20 7946 0958'),
             ('(11) 91234-5678'),
             ('01.23.45.67.89'),
             ('07911123456'),
             ('1234567'),
             ('count 1234567'),
             ('12345678901'),
             ('4155552671'),
             ('+100 200 300'),
             ('+1 234 567'),
             ('100-200-3000'),
             ('1990-2000'),
             ('02134-1234'),
             ('(2019) 123-130'),
             ('0.0826454123497522'),
             ('2024-01-31 12:34:56+00'),
             ('+05:30'),
             ('1 2 3 4 5 6 7 8'),
             ('04027337-8727-eae2-b4a7-4f1ee8bf98a9')) AS t(input);

-- CREDIT_CARD: issuer prefix, length and Luhn; groups of 4 (Amex 4-6-5).
SELECT input, hoop_mcp.mask_text(input, '{CREDIT_CARD}') AS masked
FROM (VALUES ('4111111111111111'),
             ('4111 1111 1111 1111'),
             ('4111-1111-1111-1111'),
             ('5500 0000 0000 0004'),
             ('2223000048400011'),
             ('3782 822463 10005'),
             ('6011111111111117'),
             ('4222222222222'),
             ('{4111111111111111,5500000000000004}'),
             ('4111 1111 1111 1111 2024'),
             ('4111111111111112'),
             ('1234567812345670'),
             ('41111111111111110'),
             ('x4111111111111111'),
             ('4111111111111111.00'),
             ('0.4111111111111111'),
             ('4111 1111 1111 111'),
             ('4111-1111-1111-1111-12345'),
             ('9223372036854775807')) AS t(input);

-- IBAN_CODE: the country's length and mod 97, with or without spaces.
SELECT input, hoop_mcp.mask_text(input, '{IBAN_CODE}') AS masked
FROM (VALUES ('GB82WEST12345698765432'),
             ('GB82 WEST 1234 5698 7654 32'),
             ('DE89 3704 0044 0532 0130 00'),
             ('FR1420041010050500013M02606'),
             ('NL91ABNA0417164300'),
             ('IBAN: GB82WEST12345698765432.'),
             ('GB83WEST12345698765432'),
             ('GB82WEST1234569876543'),
             ('GB82WEST123456987654321'),
             ('GB82 WEST 1234 5698 7654 3210'),
             ('XX82WEST12345698765432'),
             ('gb82west12345698765432')) AS t(input);

-- IP_ADDRESS: IPv4 (and /prefix), IPv6 full, compressed, IPv4-mapped.
SELECT input, hoop_mcp.mask_text(input, '{IP_ADDRESS}') AS masked
FROM (VALUES ('10.0.0.1'),
             ('192.168.1.254/24'),
             ('10.0.0.1:5432'),
             ('10.0.0.1-10.0.0.9'),
             ('1.2.3.4'),
             ('2001:0db8:85a3:0000:0000:8a2e:0370:7334'),
             ('2001:db8::8a2e:370:7334'),
             ('fe80::1'),
             ('::1'),
             ('::ffff:192.168.0.1'),
             ('2001:db8::/32'),
             ('256.1.1.1'),
             ('1.2.3.4.5'),
             ('v1.2.3.4'),
             ('1.2.3'),
             ('12:30:45'),
             ('::'),
             ('1::2::3'),
             ('a:b:c:d'),
             ('std::vector'),
             ('12345::1')) AS t(input);

-- MAC_ADDRESS
SELECT input, hoop_mcp.mask_text(input, '{MAC_ADDRESS}') AS masked
FROM (VALUES ('00:1A:2B:3C:4D:5E'),
             ('00-1a-2b-3c-4d-5e'),
             ('001a.2b3c.4d5e'),
             ('00:1A:2B:3C:4D'),
             ('00:1A:2B:3C:4D:5E:6F'),
             ('00:1A-2B:3C:4D:5E'),
             ('0G:1A:2B:3C:4D:5E'),
             ('12:30:45')) AS t(input);

-- URL: the sentence's punctuation stays out, a bracket only if unbalanced.
SELECT input, hoop_mcp.mask_text(input, '{URL}') AS masked
FROM (VALUES ('see https://example.com/a?b=c.'),
             ('HTTPS://EXAMPLE.COM/X'),
             ('(see https://en.wikipedia.org/wiki/Foo_(bar))'),
             ('[link](https://x.io/y)'),
             ('ftp://files.example.org/pub/'),
             ('visit www.example.com.'),
             ('"https://example.com/q?x=1&y=2"'),
             ('https://[2001:db8::1]:8080/'),
             ('www.foo'),
             ('wwwexample.com'),
             ('http://'),
             ('xhttp://a.com')) AS t(input);

-- US_SSN: never-issued areas, groups and serials are not SSNs.
SELECT input, hoop_mcp.mask_text(input, '{US_SSN}') AS masked
FROM (VALUES ('123-45-6789'),
             ('123 45 6789'),
             ('000-12-3456'),
             ('666-12-3456'),
             ('900-12-3456'),
             ('123-00-4567'),
             ('123-45-0000'),
             ('078-05-1120'),
             ('123456789'),
             ('123-45-67890'),
             ('1123-45-6789'),
             ('123-45 6789')) AS t(input);

-- UK_NHS: mod 11; unseparated only from the ranges issued.
SELECT input, hoop_mcp.mask_text(input, '{UK_NHS}') AS masked
FROM (VALUES ('943 476 5919'),
             ('943-476-5919'),
             ('4010232137'),
             ('943 476 5918'),
             ('4010232138'),
             ('9434765919'),
             ('1706659200'),
             ('111 111 1111')) AS t(input);

-- CRYPTO: base58check (SHA-256d) and bech32/bech32m.
SELECT input, hoop_mcp.mask_text(input, '{CRYPTO}') AS masked
FROM (VALUES ('1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa'),
             ('3J98t1WpEZ73CNmQviecrnyiWrnqRhWNLy'),
             ('bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4'),
             ('BC1QW508D6QEJXTDG4Y5R3ZARVARY0C5XW7KV8F3T4'),
             ('bc1qrp33g0q5c5txsp9arysrx4k6zdkfs4nce4xj0gdcccefvpysxf3qccfmv3'),
             ('bc1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vqzk5jj0'),
             ('1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNb'),
             ('bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t5'),
             ('bc1Qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4'),
             ('tb1qw508d6qejxtdg4y5r3zarvary0c5xw7kxpjzsx')) AS t(input);

-- DATE_TIME: PostgreSQL's output styles, common written forms, and dates
-- that do not exist.
SELECT input, hoop_mcp.mask_text(input, '{DATE_TIME}') AS masked
FROM (VALUES ('2024-01-31'),
             ('2024-01-31 12:34:56.789+00'),
             ('2024-01-31T12:34:56Z'),
             ('2024-01-31 12:34:56.123456-08'),
             ('2024-01-31 12:34:56+05:30'),
             ('31/01/2024 12:34:56.789 UTC'),
             ('31.01.2024 12:34:56.789 CET'),
             ('Wed Jan 31 12:34:56.789 2024 PST'),
             ('01/31/2024'),
             ('2024/1/5'),
             ('Jan 31, 2024'),
             ('31 January 2024'),
             ('1st March 2024'),
             ('31-JAN-24'),
             ('May 5, 2024 9:30 AM'),
             ('Wed, 31 Jan 2024 12:34:56 +0000'),
             ('2024-01-01/2024-12-31'),
             ('2024-02-29'),
             ('2024-02-30'),
             ('2023-02-29'),
             ('1900-02-29'),
             ('2024-13-01'),
             ('31/02/2024'),
             ('2024-01-31 25:00'),
             ('20240131'),
             ('12:30:45'),
             ('1.2.2024'),
             ('2020-2024'),
             ('Jan 32, 2024'),
             ('March 2024'),
             ('May I help')) AS t(input);

-- The national identifiers of hoop's document groups that have a check.
SELECT input, hoop_mcp.mask_text(input, '{US_DOCUMENTS,UK_DOCUMENTS,EUROPEAN_DOCUMENTS,ASIA_PACIFIC_DOCUMENTS}') AS masked
FROM (VALUES ('912-70-1234'), ('912 94 1234'), ('912-69-1234'), ('912-93-1234'),
             ('AB123456C'), ('AB 12 34 56 C'), ('QQ123456C'), ('BG123456A'), ('AB123456E'), ('AB 123456 C'),
             ('12345678Z'), ('12345678A'), ('X1234567L'), ('X1234567A'),
             ('RSSMRA85T10A562S'), ('RSSMRA85T10A56NH'), ('RSSMRA85T10A562T'), ('RSSMRA85T80A562S'),
             ('44051401359'), ('02270803628'), ('44051401358'), ('07911123456'),
             ('131052-308T'), ('131052-308U'), ('311352-308T'),
             ('S1234567D'), ('G1234567X'), ('S1234567A'),
             ('51 824 753 556'), ('51824753556'), ('51 824 753 557'),
             ('004 085 616'), ('004 085 617'), ('123 456 782'), ('123 456 789'), ('123 456 782 012'), ('004085616'),
             ('2123 45670 1'), ('2123 45671 1'), ('7123 45670 1'),
             ('ABCPE1234F'), ('ABCXE1234F'),
             ('2345 6789 0121'), ('234567890121'), ('234567890122'), ('134567890121'),
             ('92072878-dd6b-cea8-43fb-234567890121')) AS t(input);

-- All types at once, in a sentence; plain database values stay.
SELECT hoop_mcp.mask_text('Card 4111 1111 1111 1111, IBAN GB82WEST12345698765432, mail jo@example.com, '
                          'call +44 20 7946 0958 from 10.0.0.1 (00:1a:2b:3c:4d:5e) on 2024-01-31 12:00; '
                          'see https://example.com/x?y=1. SSN 123-45-6789, NHS 943 476 5919, '
                          'BTC 1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa.',
                          hoop_mcp.entity_types('{CONTACT_INFORMATION,FINANCIAL_DATA,NETWORK_IDENTIFIERS,TIME_DATA,US_DOCUMENTS,UK_DOCUMENTS}'));
SELECT input, hoop_mcp.mask_text(input, hoop_mcp.entity_types('{CONTACT_INFORMATION,FINANCIAL_DATA,NETWORK_IDENTIFIERS,TIME_DATA,US_DOCUMENTS,UK_DOCUMENTS,EUROPEAN_DOCUMENTS,ASIA_PACIFIC_DOCUMENTS}')) AS masked
FROM (VALUES ('42'), ('widget'), ('2.50'), ('-17.25'), ('1234567'), ('1706659200'), ('9223372036854775807'),
             ('3.14159265358979'), ('550e8400-e29b-41d4-a716-446655440000'), ('d41d8cd98f00b204e9800998ecf8427e'),
             ('SKU-00042'), ('t'), ('v2.10.1'), ('12:30:45'), ('1 day 02:03:04'), ('{1,2,3}'), (''),
             ('http://10.0.0.1:8080/admin')) AS t(input);

-- A value inside another is masked with it; of two that overlap, the
-- higher score stays.
SELECT hoop_mcp.mask_text('https://user@example.com/ and https://x.com/?e=a@b.com', '{URL,EMAIL_ADDRESS}');
SELECT hoop_mcp.mask_text('https://user@example.com/ and https://x.com/?e=a@b.com', '{EMAIL_ADDRESS}');

-- Thresholds: a value is masked when its type's score reaches it.
SELECT threshold, hoop_mcp.mask_text('555-123-4567, +44 20 7946 0958, 07911123456, 4111111111111111',
                                     '{PHONE_NUMBER,CREDIT_CARD}', threshold) AS masked
FROM unnest('{0,0.4,0.5,0.6,0.7,0.75,0.8,1}'::float8[]) AS threshold;
SELECT hoop_mcp.mask_text('x', '{URL}', -0.1);
SELECT hoop_mcp.mask_text('x', '{URL}', 1.5);
SELECT hoop_mcp.mask_text('x', '{URL}', 'NaN');

-- Preset groups, types named twice, NULL elements, no types.
SELECT hoop_mcp.mask_text('jo@example.com 10.0.0.1 https://example.com', '{CONTACT_INFORMATION}');
SELECT hoop_mcp.mask_text('jo@example.com 10.0.0.1 https://example.com', '{NETWORK_IDENTIFIERS,URL,NULL}');
SELECT hoop_mcp.mask_text('jo@example.com', '{}');
SELECT hoop_mcp.entity_types('{FINANCIAL_DATA,CRYPTO_IDENTIFIERS,US_DOCUMENTS}');

-- The errors: lowercase, unknown, needing a language model.
SELECT hoop_mcp.mask_text('x', '{email_address}');
SELECT hoop_mcp.mask_text('x', '{NOT_A_TYPE}');
SELECT hoop_mcp.mask_text('x', '{PERSON}');
SELECT hoop_mcp.mask_text('x', '{LOCATION_DATA}');

-- Multibyte text: values between non-ASCII punctuation are found, values
-- glued to non-ASCII letters are not (a word goes on), but for an email,
-- anchored at its '@'.
SELECT input, hoop_mcp.mask_text(input, hoop_mcp.entity_types('{CONTACT_INFORMATION,FINANCIAL_DATA,NETWORK_IDENTIFIERS,TIME_DATA}')) AS masked
FROM (VALUES ('Café jo@example.com über'),
             ('电话：+86 10 1234 5678。'),
             ('邮箱user@example.com的'),
             ('“4111 1111 1111 1111”'),
             (E'\u00a0555-123-4567\u00a0'),
             ('Zoë 2024-01-31—2024-02-01'),
             ('«https://example.com/é»'),
             ('日付：2024-01-31'),
             ('日付2024-01-31'),
             ('価格4111111111111111'),
             ('é10.0.0.1')) AS t(input);

-- Empty input, NULL input.
SELECT hoop_mcp.mask_text('', '{EMAIL_ADDRESS}') = '' AS empty;
SELECT hoop_mcp.mask_text(NULL, '{EMAIL_ADDRESS}') IS NULL AS null_input;
