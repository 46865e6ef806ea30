// Major cities and well-known districts (about 800), lower-case, local and English spellings, written
// from general knowledge for the free-text place rules. Separated by `|` (names contain spaces).

/** City names, lower-case, separated by `|`. */
export const CITIES = `
a coruña|aarhus|aberdeen|abidjan|abu dhabi|abuja|acapulco|accra|adana|addis ababa|adelaide|aden|
agra|ahmedabad|akron|albany|albuquerque|aleppo|alexandria|algiers|alicante|almaty|amarillo|amman|
amsterdam|anaheim|anchorage|angers|ankara|ann arbor|antalya|antananarivo|antwerp|antwerpen|
arequipa|arlington|ashgabat|asmara|astana|asunción|athens|atlanta|auckland|augsburg|augusta|
aurora|austin|aveiro|baghdad|bakersfield|baku|bali|baltimore|bamako|bandung|bangalore|bangkok|
barcelona|bari|barranquilla|basel|basra|bath|baton rouge|beijing|beirut|belém|belfast|belgrade|
belo horizonte|bengaluru|benin city|beograd|bergen|berkeley|berlin|bern|bhopal|bielefeld|bilbao|
birmingham|bishkek|bloemfontein|bochum|bogota|bogotá|boise|bologna|bombay|bondi|bonn|bordeaux|
boston|bradford|braga|brampton|brasilia|brasília|bratislava|bremen|brescia|brest|brighton|
brisbane|bristol|brno|bronx|brooklyn|brownsville|bruges|brussels|bruxelles|bucharest|bucurești|
budapest|buenos aires|buffalo|bulawayo|burlington|bursa|busan|cádiz|cairns|cairo|calcutta|
calgary|cali|cambridge|campinas|canberra|cancún|cape town|caracas|cardiff|cartagena|casablanca|
catania|cdmx|cebu|chandigarh|chandler|charleston|charlotte|chattanooga|chengdu|chennai|
chesapeake|chiang mai|chicago|chișinău|chittagong|chongqing|christchurch|chula vista|cincinnati|
ciudad de méxico|ciudad juárez|cleveland|cluj-napoca|cochin|coimbatore|coimbra|cologne|colombo|
colorado springs|columbus|conakry|copenhagen|córdoba|cork|corpus christi|cotonou|coventry|
curitiba|cusco|da nang|daegu|daejeon|dakar|dalian|dallas|damascus|dammam|dar es salaam|darwin|
davao|debrecen|delhi|den haag|denpasar|denver|derby|des moines|detroit|dhaka|dijon|djibouti|
dnipro|dodoma|doha|dortmund|douala|dresden|dubai|dublin|duisburg|dundee|dunedin|durban|durham|
dushanbe|düsseldorf|edinburgh|edmonton|eindhoven|el paso|erbil|espoo|essen|exeter|faisalabad|
faro|fayetteville|fez|firenze|florence|florianópolis|fontana|fort lauderdale|fort wayne|
fort worth|fortaleza|frankfurt|frankfurt am main|freetown|freiburg|fremont|fresno|frisco|fukuoka|
funchal|gaborone|galway|garland|gatineau|gaza|gdansk|gdańsk|geelong|geneva|genève|genoa|genova|
gent|george town|ghent|gijón|gilbert|giza|glasgow|glendale|goa|goiânia|gold coast|göteborg|
gothenburg|gqeberha|granada|grand rapids|graz|greensboro|grenoble|groningen|guadalajara|
guangzhou|guarulhos|guatemala city|guayaquil|guelph|gwangju|haifa|halifax|hamburg|hamilton|
hangzhou|hannover|hanoi|hanover|harare|harbin|hartford|havana|heidelberg|helsinki|henderson|
hialeah|hiroshima|ho chi minh city|hobart|hong kong|honolulu|houston|hove|hull|huntington beach|
huntsville|hyderabad|iași|ibadan|incheon|indianapolis|indore|innsbruck|irvine|irving|isfahan|
islamabad|istanbul|izmir|jacksonville|jaipur|jakarta|jeddah|jersey city|jerusalem|joão pessoa|
johannesburg|johor bahru|juárez|kabul|kampala|kandy|kano|kanpur|kansas city|kaohsiung|karachi|
karlsruhe|kathmandu|katowice|kaunas|kawasaki|kazan|kharkiv|khartoum|kiel|kiev|kigali|kingston|
kinshasa|kisumu|kitchener|knoxville|kobe|københavn|kochi|kolkata|köln|konya|krakow|kraków|
krasnoyarsk|kuala lumpur|kumasi|kunming|kuwait city|kyiv|kyoto|la habana|la paz|la plata|lagos|
lahore|laredo|las vegas|lausanne|laval|le havre|leeds|leicester|leipzig|león|lexington|liège|
lille|lilongwe|lima|limerick|lincoln|linz|lisboa|lisbon|little rock|liverpool|ljubljana|łódź|
lomé|london|long beach|los angeles|louisville|luanda|lubbock|lublin|lubumbashi|lucerne|lucknow|
ludhiana|lusaka|luton|luxembourg|luzern|lviv|lyon|macau|maceió|madison|madras|madrid|mainz|
makati|malaga|málaga|malé|malmö|managua|manama|manaus|manchester|mandalay|manhattan|manila|
mannheim|maputo|mar del plata|maracaibo|markham|marrakech|marseille|mashhad|mecca|medan|medellin|
medellín|medina|melbourne|memphis|mendoza|mérida|mesa|messina|mexico city|miami|milan|milano|
milton keynes|milwaukee|minneapolis|minsk|mississauga|modena|modesto|mogadishu|mombasa|monrovia|
monterrey|montevideo|montgomery|montpellier|montreal|montréal|moreno valley|moscow|mosul|multan|
mumbai|münchen|munich|münster|murcia|muscat|mysore|nagoya|nagpur|nairobi|nanjing|nantes|naples|
napoli|nashik|nashville|natal|new delhi|new orleans|new york|newark|newcastle|niamey|nice|
niterói|nizhny novgorod|norfolk|north las vegas|northampton|norwich|nottingham|novi sad|
novosibirsk|nuremberg|nürnberg|oakland|oaxaca|odense|odesa|odessa|oklahoma city|omaha|omsk|
oporto|oran|orlando|osaka|oslo|ostrava|ottawa|ouagadougou|overland park|oxford|oxnard|padova|
padua|palermo|palma|palo alto|panama city|paris|parma|pasadena|patna|patras|penang|perm|perth|
peshawar|philadelphia|phnom penh|phoenix|phuket|pisa|pittsburgh|plano|plovdiv|plymouth|podgorica|
port elizabeth|port harcourt|port louis|port moresby|port st. lucie|portland|porto|porto alegre|
portsmouth|potsdam|poughkeepsie|poznań|prague|praha|preston|pretoria|providence|puebla|pune|
pyongyang|qingdao|québec|quebec city|queens|querétaro|quetta|quezon city|quito|rabat|raleigh|
ramallah|rawalpindi|reading|recife|regina|reims|rennes|reno|reykjavik|richmond|riga|
rio de janeiro|riverside|riyadh|rochester|roma|rome|rosario|rostock|rostov-on-don|rotterdam|
sacramento|saigon|saint louis|saint paul|saint petersburg|saitama|salamanca|salt lake city|
salvador|salzburg|samara|san antonio|san bernardino|san diego|san francisco|san jose|san josé|
san juan|san salvador|san sebastián|sanaa|santa ana|santa barbara|santa clarita|santa cruz|
santa fe|santa monica|santiago|santo domingo|santos|são luís|sao paulo|são paulo|sapporo|
sarajevo|saskatoon|savannah|scottsdale|seattle|semarang|sendai|seoul|setúbal|sevilla|seville|
shanghai|sharjah|sheffield|shenyang|shenzhen|shiraz|singapore|skopje|sofia|southampton|soweto|
split|spokane|springfield|st. john's|st. louis|st. paul|st. petersburg|staten island|stavanger|
stockholm|stockton|stoke-on-trent|strasbourg|stuttgart|sucre|sunderland|surabaya|surat|surrey|
suva|suzhou|swansea|sydney|syracuse|szczecin|tabriz|tacoma|taichung|taipei|tallahassee|tallinn|
tampa|tampere|tangier|tashkent|tbilisi|tegucigalpa|tehran|tel aviv|thane|the bronx|the hague|
thessaloniki|tianjin|tijuana|tilburg|timișoara|tirana|tokyo|toledo|toluca|torino|toronto|toulon|
toulouse|trieste|tripoli|trondheim|tucson|tulsa|tunis|turin|turku|ufa|ulaanbaatar|uppsala|
utrecht|vadodara|valencia|valladolid|valparaíso|vancouver|varna|venezia|venice|verona|victoria|
vienna|vientiane|vigo|vilnius|virginia beach|visakhapatnam|vitoria|vitória|volgograd|voronezh|
warsaw|warszawa|washington|waterford|wellington|wichita|wien|wiesbaden|windhoek|windsor|winnipeg|
winston-salem|wollongong|wolverhampton|worcester|wrocław|wuhan|wuppertal|xi'an|xiamen|yangon|
yaoundé|yekaterinburg|yerevan|yokohama|yonkers|york|zagreb|zanzibar|zapopan|zaporizhzhia|
zaragoza|zurich|zürich
`;
