// Word lists the free-text name and address rules read: honorifics, cue words, street types,
// postcode contexts, and the capitalised words that must never be taken for a name or a place.

const set = (words: string): ReadonlySet<string> => new Set(words.trim().split(/\s+/));

/** Titles before a name (without the dot), lower-case; the name follows, the title is not masked. */
export const HONORIFICS = set(`
mr mrs ms miss mx dr prof sir dame lady lord rev fr
sr sra srta sr.a dona don dom senhor senhora señor señora señorita
herr frau fräulein mme mlle monsieur madame m
sig sig.ra signor signora signorina dott dott.ssa ing avv
`);

/** Lower-case particles allowed inside a name when a capitalised word follows. */
export const PARTICLES = set(`
da de do dos das del della dei di du van von der den ter ten zu la le bin ibn al el y e af av
`);

/**
 * Words after which a capitalised run is a person whatever it is: labels (usually with `:`), sign-offs,
 * contact verbs and kinship or role nouns. Multi-word cues are matched on the text just before the run.
 */
export const STRONG_PERSON_CUES: readonly string[] = `
name|full name|name on card|nome|nombre|name is|name as|goes by|named|called by|signed|signature|
contact|contact person|emergency contact|backup contact|billing contact|technical contact|
contato|contacto|ansprechpartner|ansprechpartnerin|attn|attention|c/o|caller|requester|requested by|
recipient|addressee|beneficiary|account holder|cardholder|account owner|
assignee|assigned to|handover to|handed over to|transferred to|
thanks|thank you|many thanks|regards|kind regards|best regards|best|cheers|sincerely|yours|
obrigado|obrigada|gracias|saludos|atentamente|danke|grüße|gruß|mfg|cordialement|merci|--|—|
spoke with|spoke to|spoke w/|talked to|talked with|speaking with|called|phoned|rang|emailed|texted|
messaged|met with|meeting with|chatted with|call with|ask for|asked for|asking for|
falei com|falei com a|falei com o|hablé con|hablé con la|hablé con el|sprach mit|
wife|husband|son|daughter|mother|mom|mum|father|dad|sister|brother|partner|fiancé|fiancée|
girlfriend|boyfriend|assistant|colleague|neighbour|neighbor|executor|lawyer|attorney|landlord|
tenant|nephew|niece|aunt|uncle|grandson|granddaughter|cousin|staff member|
customer|customer's|client|cliente|el cliente|o cliente|kunde|kundin|
`
  .trim()
  .split(/\|\s*/)
  .filter((c) => c.length > 0);

/** Labels that name a person only with a colon after them ("From: Claire Beaumont", "Rep: Anastasia"). */
export const COLON_LABELS = set(
  'from to cc bcc rep agent owner holder user member assignee requester driver',
);

/** Weaker cues: the run must also hold a listed given name or surname (ambiguous ones included). */
export const WEAK_PERSON_CUES: readonly string[] = ['by', 'per', 'for', 'with', 'and', 'to', 'is', 'was'];

/** Cues after which a lower-case word from the given-name list is a person ("talked to steve"). */
export const LOWER_CASE_PERSON_CUES: readonly string[] = [
  'spoke with',
  'spoke to',
  'spoke w/',
  'talked to',
  'talked with',
  'called',
  'ask for',
  'asked for',
  'named',
  'wife',
  'husband',
  'son',
  'daughter',
  'mother',
  'mom',
  'mum',
  'father',
  'dad',
  'sister',
  'brother',
  'contact is',
  'name is',
  'this is',
];

/** Verbs after a capitalised run that say it is a person ("Kwame said …"). */
export const SPEECH_VERBS = set(`
said says told tells asked asks called calls phoned rang emailed texted wrote writes replied
mentioned complained explained insisted promised
`);

/** Words before a capitalised run that make it a place (an ambiguous city too): "in", "from" … */
export const PLACE_PREPOSITIONS = set('in to from near outside at em para en nach aus of');

/** Phrases before a capitalised run that make it a place even when no list knows it. */
export const STRONG_PLACE_CUES: readonly string[] = [
  'lives in',
  'live in',
  'living in',
  'lived in',
  'lives near',
  'lives outside',
  'moved to',
  'moving to',
  'move to',
  'relocating to',
  'relocated to',
  'relocate to',
  'based in',
  'located in',
  'originally from',
  'now in',
  'outside',
  'near',
  'vive en',
  'mora em',
  'mudou-se para',
  'mudou-se para o',
  'mudou-se para a',
  'wohnt in',
  'address in',
];

/** Street types written after the street's name ("Oak St", "Baker Street"). */
export const STREET_SUFFIXES = set(`
street st road rd avenue ave av boulevard blvd lane ln drive dr court ct close way place pl
terrace tce crescent cres gardens gdns parkway pkwy highway hwy route square sq row mews grove
circle cir hollow corniche walk hill rise view parade esplanade quay wharf embankment alley
trail trl expressway expy freeway turnpike pike plaza
`);

/** Full-word street types that make a capitalised run a street with no number ("on Maple Drive"). */
export const NAMED_STREET_SUFFIXES = set(
  'street road avenue boulevard lane drive crescent terrace close gardens parkway highway',
);

/** Street types written before the name ("Rue de Rivoli", "Calle Mayor 22"), dots removed. */
export const STREET_PREFIXES = set(`
rua r avenida av avda calle c travessa tv praça largo alameda estrada rodovia
rue avenue boulevard bd chemin allée impasse quai
via viale corso piazza piazzale vicolo strada
plaza paseo camino carrer avinguda rambla ronda carretera
ul ulica aleja al
`);

/** Endings of Germanic, Nordic and Dutch one-word street names ("Hauptstraße 5", "Storgatan 12"). */
export const COMPOUND_STREET_ENDINGS: readonly string[] = [
  'straße',
  'strasse',
  'str',
  'weg',
  'allee',
  'platz',
  'gasse',
  'damm',
  'ufer',
  'chaussee',
  'gatan',
  'gata',
  'vägen',
  'väg',
  'gränd',
  'straat',
  'laan',
  'gracht',
  'plein',
  'gade',
  'vej',
  'veien',
  'gaten',
];

/** Words that open an address by a unit ("Flat 3, 27 Kingsley Avenue"). */
export const UNIT_WORDS = set(`
flat unit apt apto apartment suite ste room rm floor fl piso andar bloco depto dpto sala
`);

/** Words inside an address after the street: unit, floor and door markers. */
export const ADDRESS_TAIL_WORDS = set(`
flat unit apt apto apartment suite ste room rm floor fl piso andar bloco depto dpto sala col
izq izda dcha dch der esq dto dta casa lote
`);

/** Abbreviations whose dot does not end an address ("Av. Insurgentes", "Col. Roma", "2º Esq., …"). */
export const ABBREVIATIONS = set(`
st rd ave av avda blvd dr ln ct pl sq hwy pkwy str col apt apto ste esq izq dcha dto no nº n r ul
`);

/** Directions written after a street type ("King Street West", "Pennsylvania Ave NW"). */
export const DIRECTIONS = set('n s e w ne nw se sw north south east west nord sud ost');

/** Two-letter US state and Canadian province codes, and Australian and Brazilian ones: a ZIP follows. */
export const STATE_CODES = set(`
al ak az ar ca co ct de dc fl ga hi id il in ia ks ky la me md ma mi mn ms mo mt ne nv nh nj nm ny
nc nd oh ok or pa ri sc sd tn tx ut vt va wa wv wi wy
ab bc mb nb nl ns nt nu on pe qc sk yt
nsw vic qld tas act
sp rj mg rs pr sc ba pe ce go df
`);

/** US states and Canadian provinces written out, as the last part of an address or after a city. */
export const REGIONS = set(`
alabama alaska arizona arkansas california colorado connecticut delaware florida hawaii idaho
illinois indiana iowa kansas kentucky louisiana maine maryland massachusetts michigan minnesota
mississippi missouri montana nebraska nevada ohio oklahoma oregon pennsylvania tennessee texas
utah vermont virginia washington wisconsin wyoming ontario quebec alberta manitoba saskatchewan
`);

/** Labels before a postcode ("zip 98103", "PLZ 10115"). */
export const POSTCODE_LABELS = set('zip zipcode postcode cep plz cp');

/** Months and weekdays in English, Portuguese, Spanish, German and French: never a name alone. */
export const CALENDAR = set(`
january february march april may june july august september october november december
monday tuesday wednesday thursday friday saturday sunday mondays tuesdays wednesdays thursdays
fridays saturdays sundays
janeiro fevereiro março abril maio junho julho agosto setembro outubro novembro dezembro
segunda terça quarta quinta sexta sábado domingo
enero febrero marzo mayo junio julio septiembre octubre noviembre diciembre
lunes martes miércoles jueves viernes
januar februar märz mai juni juli oktober dezember montag dienstag mittwoch donnerstag freitag
samstag sonntag
janvier février mars avril juin juillet août septembre octobre novembre décembre lundi mardi
mercredi jeudi vendredi samedi dimanche
christmas easter
`);

/**
 * Given names that are also ordinary words, brands or places: alone they are not masked; with a
 * listed surname after them, or after a cue, they are ("Will Turner", "Per Grace").
 */
export const AMBIGUOUS_GIVEN_NAMES = set(`
will mark bill hope grace rose may june april august faith joy dawn summer autumn winter rob pat
sue don art guy max rich ray sky page chase carol iris ivy lily holly hazel amber ruby pearl
crystal jade violet daisy heather sandy penny frank earl dean lance miles grant hunter mason
taylor parker stanley jordan morgan austin lincoln madison victoria florence georgia jackson
dallas sydney chelsea savannah mercedes alexa christian angel destiny gene dale glen glenn wade
rosemary willow piper harper blake brooke drew nick bob per floor said can long son young sun
hung sang gang fang ping van sri mai tam nam ren rei rin sora bo dag mats ola stig sem ken
reading india china kit sage regina carmen sonia alba lola gloria
nice split bath mobile hull derby cork natal gent sale mesa aurora augusta columbus gilbert
henderson chandler irving windsor surrey richmond durham lexington kingston queens santos
salvador valencia lima medina goa bali
`);

/**
 * Capitalised words that never start, end or join a name: roles, departments, business words,
 * greetings and sentence words that precede names. A run stops at them.
 */
export const NOT_NAME_WORDS = set(`
the a an and or of for to in on at by with from is was are be this that these those it its
he she they we you i my our your his her their hi hello dear hey thanks thank regards cheers
please note re fw fwd ok yes no not
customer customers client cliente clientes kunde kundin user users caller agent rep owner holder
contact contato contacto name nome nombre attn attention signed team support sales billing
finance legal compliance accounts accounting marketing hr it ops operations security admin
manager director president vp ceo cfo cto head lead engineer tech technician driver courier
office store shop branch hub warehouse depot site team group department dept desk
company co corp corporation inc ltd llc plc gmbh ag sa srl bv ab oy as sons brothers partners
holdings group services solutions consulting plumbing bank insurance foundation university
college school hospital clinic ward hotel restaurant cafe centre center mall airport station
terminal gate street road avenue lane drive court way place square
ticket order invoice account plan tier premium basic enterprise pro plus standard service
refund payment card credit debit policy issue case request report
called spoke talked asked emailed per escalated assigned approved requested sent left
new old dear mr mrs ms dr prof
`);

/** Capitalised pairs that look like a name and are a brand or a company. */
export const BRAND_PAIRS = set(`
morgan_stanley wells_fargo goldman_sachs charles_schwab edward_jones ralph_lauren calvin_klein
tommy_hilfiger louis_vuitton kate_spade michael_kors ted_baker hugo_boss estée_lauder
harley_davidson rolls_royce aston_martin jack_daniel's dr_pepper john_lewis jimmy_choo
tim_hortons victoria's_secret paul_smith marc_jacobs john_deere
`);

/** Words after a capitalised run that make it a company, not a person ("Sullivan Plumbing"). */
export const COMPANY_WORDS = set(`
plumbing electric electrical motors construction builders roofing cleaning logistics transport
ltd inc llc plc gmbh co corp corporation group holdings services solutions consulting partners
associates sons brothers bank insurance foundation university college school hospital clinic
ward hotel restaurant cafe bakery pharmacy dental law legal media studio studios labs systems
technologies industries enterprises international capital ventures trust fund
`);

/** Surnames that are also common English words: never taken as a surname in lower-case text. */
export const SURNAMES_THAT_ARE_WORDS = set(`
long young rice bell hill wood woods king green brown white black gray grey page hunt cook price
rose may day law lamb fox bird moss stone field lane ford bush hall wall west north south east
little short good best sharp power gold silver waters wells banks church cross ball house strong
snow frost winter summer spring mills miles park parks street lee chase hope grant rich dean
marsh bass pike swift wise hale noble savage steele walker baker turner carter cooper mason
fisher hunter porter taylor miller potter bishop knight major read reed cash case hart hardy
love joy faith gill holt kay kemp kent lord lowe moon nash new page ray ross rowe sage shaw son
song sun tan tang todd tucker ward watt webb wolf
`);
