// Common surnames across the same cultures as given-names.ts, lower-case, written from general
// knowledge for the free-text name rules. Whitespace-separated; particles are separate words.

/** Surnames, lower-case, separated by whitespace. */
export const SURNAMES = `
abara abbas abbott abdullah abe abramov acevedo acheampong achebe acosta adamczyk adams adebayo
adeleke adeniyi adewale adeyemi adkins afolabi agarwal agbaje aguilar aguirre agyeman ahearn
ahmadi ahmed ahn ahuja ajayi akande akbari akhtar akinola akintola aksoy al-ahmad al-farsi
al-hashimi al-masri al-najjar al-rashid al-sayed alade albers alekseev alemu alexander ali allen
allison almeida alonso alvarez álvarez alves amadi amaral amato amoah andersen anderson
andersson andrada andrade andré andrews anene angelis ansah antonov antunes anyanwu aoki appiah
aquino araújo araya arias armstrong arnaud arnold arslan asante ashby atherton atkins atkinson
aubert austin avila axelsson aydın azevedo aziz ba babatunde babić bae baek bailey bailly baird
bajaj bakare baker bakker bakr baldwin ball ballard balogun banerjee banks bansal baran barber
barbier barbieri barbosa barker barlow barnes barnett baron barrett barros barry bartlett barton
bates batista bauer baumann bautista baxter beaumont beck becker beek bekele bélanger bell
bellini belov benedetti benítez bennett benson bentley berg bergen berger bergeron berggren
bergmann bergström bernard bernardi berry bertin bhatia bhatt bhriain bianchi bird bishop black
blackburn blackwood blair blake blanc blanchard blanco boateng boer bogdanov böhm boland bolton
bondarenko bonnet booth borges bos bose botha bouchard boucher bourgeois bowen bowman boyd boyer
boyko boyle bradley bradshaw brady brandt braun bravo brennan brenner brewer briggs brito brooks
brouwer brown browne bruijn brun bruno bryant buchanan buckley bui bull burgess burke burns
burton busch bush butler butt byrne caballero cabrera cahill cai caldwell callaghan calloway
calvo camara cameron campbell campos cano cao cardenas cardoso carey carlson carlsson carmona
caron carpenter carpentier carr carrasco carrington carroll carter cartwright caruso carvalho
casey cassidy castillo castro çelik černý cervantes chakraborty chambers chan chandler chang
chapman charlton chase chatterjee chaudhary chen cheng chevalier cho choi chopra chowdhury
christensen chukwu chung cisneros clancy clark clarke clayton clément coakley coelho cohen cole
coleman colin collins colombo conner connolly constantin conti contreras conway cook cooke
cooper correia cortés costa costello côté coulibaly cox craig crawford cross cruz cullen
cummings cunha cunningham curtis cusack czarnecki dąbrowski dahl dale dalton daly dam dang
daniels danielsson danjuma darko darwish das dasgupta davenport david davidson davies davis
dawson day dean dekker delacroix delaney delgado demir dempsey deng denis dennis desai devlin
diallo dias diaz díaz dickinson dietrich dijk dijkstra dimitriou dinh diop dixon dlamini do
dobson dodd doğan doherty dolan dominguez domínguez dong donnelly donovan đorđević doyle drake
du duarte dubois duda duffy dufour dumas dumitru duncan dunn dunne duong dupont dupuis durand
dutta duval dvořák dyer echeverría edwards egan egorov eichhorn ekwueme elliott ellis ellison
emerson endo engel erdoğan eriksen eriksson escobar espinoza esposito estrada evans eze ezeh
fabbri fabbrini fabre fahy fairbanks fairfax faria farias farkas farmer farouk farrell farrelly
faure fedorov fedorova feldmann feng ferguson fernandes fernandez fernández ferrara ferrari
ferreira ferri figueiredo figueroa finnegan fischer fisher fitzgerald fleming fletcher fleury
flores flynn foley fonseca fontaine fontana forbes ford foster fournier fowler fox francis
francois frank franke franklin fraser fredriksen freeman freitas friedman friedrich frimpong
fuchs fuentes fujii fujita fukuda fuller gagné gagnon galindo gallagher gallardo gallego galli
gallo gandhi gao garcia garcía gardner garibaldi garner garnier garrido gauthier gautier gebre
gentile georgiou geraghty gérard ghosh gibbs gibson gil gilbert gill gilmore giordano girard
giraud goldberg goldstein gomes gomez gómez gonçalves gonzalez gonzález gordon goswami goto
graaf grabowski graf graham grant graves gray greco green greenberg greene gregory griffin
griffiths groot groß gruber guerin guérin guerra guerrero guillaume guimarães günther guo gupta
gustafsson gutierrez gutiérrez guzmán gyamfi haas haddad hahn haile hale hall halvorsen
hämäläinen hamdan hamilton hammond han hancock hannigan hansen hanson hansson harding hardy
hargreaves harper harrington harris harrison hart hartley hartmann hartwell harvey hasegawa
hashimoto hassan hathaway haugen hauser hawkins hayashi hayes haynes hayward he healy heath
hedlund heikkinen heinrich henderson hendriks hennessy henry hernandez hernández herrera
herrmann hess hewitt hicks higgins hill ho hoang hobbs hodges hodgson hoffmann hofmann hogan
holland holloway holm holmes holt hong hopkins horn horton horvat horváth hossain hosseini
houghton howard howe howell hsu hu huang huber hubert hudson hughes humphries hunt hunter hurley
hurst hussain hussein hutchinson huynh hwang ibáñez ibarra ibrahim iglesias igwe ikeda ikenna
ilori ingram inoue ionescu iqbal isaksson ishii ishikawa islam issa ito ivanov ivanova iyengar
iyer jaber jackson jacob jafari jäger jain jakobsen james jang jankowski jansen janssen järvinen
jarvis jasiński jegede jenkins jennings jensen jeon jeong ji jiang jimenez jiménez johansen
johansson johnson johnston joly jones jong jonsson jordan joshi jovanović juarez jung kaczmarek
kaiser kamau kamiński kane kang kapoor kareem karimi kariuki karlsson kato katz kaur kavanagh
kay kaya kazemi keane kearney keating keegan kehoe keita keller kelly kemp kennedy kenny kent
kerr kessler khalil khan khanna khumalo kim kimura king kingsley kinsella kipchoge kiplagat
kirchner kiss kılıç klein knight ko kobayashi koç koch köhler kok kondo könig korhonen koskinen
koster kovačević kovács kovalchuk kovalenko kowalczyk kowalski kozlov kozłowski kramer krämer
kraus krause kravchenko krawczyk krishnan kristiansen krüger kuhn kühn kulkarni kumar kuznetsov
kuznetsova kwan kwiatkowski kwon lacroix lai laine lam lamb lambert lane lang lange langley lara
larsen larsson lau laurent lavoie lawrence lawson le lebedev leblanc leclerc lee leeuwen
lefebvre lefèvre legrand lehmann lehtinen lehtonen lei lemaire lemoine lenihan león leroy leung
lévesque levi levy lewandowski lewis li liang lim lima lin lindberg lindgren lindner lindqvist
lindsay lindström little liu lloyd lo lockhart lombardi lonergan long longo lopes lopez lorenz
lorenzo lowe lowell lozano lu luca lucas ludwig luna lund lundberg lundqvist luo ly lynam lynch
lyons ma mac macdonald macedo machado mackay mackenzie madden magalhães magnusson maguire
mahmoud mahony maier majewski mäkelä mäkinen maldonado malhotra malik malone mancini mann
manning mansour marchand marchetti marín marini marković marques márquez marsh marshall martin
martín martinelli martinez martínez martins mason masson mathieu matos matsuda matsumoto
matthews maxwell may mayer mazur mazza mcallister mcauley mccabe mccann mccarthy mcdermott
mcdonald mcevoy mcgee mcgrath mcguinness mcintyre mckenzie mckeown mclean mcleod mcmahon
mcnamara mcnulty medeiros medina meer mehta meier meijer melnyk melo mendes méndez mendoza menon
mensah mercier meunier meyer michalski michel miles miller mills miranda mirza mishra mitchell
miura mizrahi mohammadi mokoena molefe molina möller molnár monteiro montero montgomery monti
montoya moon moore mora moradi moraes morais morales moran moreau moreira morel morelli moreno
moretti morgan mori morin morozov morozova morris morrison mortensen morton moser moss moura
mthembu mukherjee mulder muller müller mulligan mulvaney muñoz murakami murphy murray mustafa
mwangi nagy naidoo naidu nair nakajima nakamura nascimento nash nasser natarajan navarro ndiaye
ndlovu neri neumann neves newman newton ng ngo nguyen ní nicholls nicholson nicolas nielsen
nieminen nikolaev nikolaidis nikolić nilsen nilsson nishimura njoroge nkosi noble noël nogueira
nolan nordström norman norris norton novák novikov novotný nowak nowakowski nugent nunes núñez
nwachukwu nwosu o'brien o'callaghan o'connell o'connor o'donnell o'dwyer o'hara o'keeffe o'leary
o'mahony o'malley o'neill o'reilly o'rourke o'shea o'sullivan obi obiora ocampo ochieng ochoa
odhiambo odukoya ofori ogawa ogunleye oh okada okafor okeke okonjo okonkwo okoro olatunji
olawale oliveira olivier oliynyk olsen olsson olszewski omar omondi oni onyango opoku orlov
orozco ortega ortiz osborne osei ota otieno otto ouellet owen owens owusu öztürk pacheco padilla
page palmer palumbo pan pandey papadakis papadopoulos pappas parisi park parker parkinson parry
parsons pascual patel patil patterson pavlov pawłowski payne pearce pearson pedersen pellegrini
pelletier pemberton peña peng penrose pereira peretz perez pérez perkins perrin perry persson
peters petersen petit petrov petrova petrović pettersson pfeiffer pham phan phelan phillips
picard pichler pierce pierre pike pillai pinheiro pinto piotrowski polat popa popescu popov
porter postma potter powell power prescott preston price prins pritchard procházka pryce quigley
quill quinn quintero qureshi radcliffe rafferty rahimi rahman ramirez ramírez ramos ramsey
randall rao rasmussen raza read reddy reed rees reeves regan reid reilly reis reiter renard
renaud reyes reynolds rezaei rhodes ribeiro ricci rice richards richardson richter rieger riley
rinaldi rios rivera rizzo robert roberts robertson robinson rocha roche rodrigues rodriguez
rodríguez rogers romano romanov romero rooney rosales rose rosen rosenberg ross rossetti rossi
rostami roth rousseau roussel roux rowe roy rubio ruiz russell russo rutherford ryan sá sadeghi
şahin saito sakamoto sala salazar saleh salem salinas sampaio sanchez sánchez sanders sandoval
santana santiago santoro santos sanz sasaki sato sauer saunders savage saxena schäfer scharf
schmid schmidt schmitt schmitz schneider schober scholz schröder schubert schulte schulz schulze
schumacher schuster schwartz schwarz scott seidel semenov sen seo serra serrano sethi shah
shaikh shanahan shapiro sharma sharp shaw sheehan sheikh shepherd shetty shevchenko shimizu shin
siddiqui sikora silva silveira silvestri simmons simon simpson sinclair singh sinha skinner
slater smirnov smirnova smit smith soares sokolov sokolova solberg sommer son song sorensen
sørensen sorokin soto sousa souza sow spencer srinivasan stadler stan stanley steele stein
steinbach steiner stepanov stephens sterling stern stevens stevenson stewart stoica stone strand
suárez subramanian suleiman sullivan summers sun sutton suzuki svensson svoboda sweeney swift sy
szabó szczepański szymański takahashi takeuchi tan tanaka tang tavares taylor tehrani teixeira
tesfaye testa thomas thompson thomsen thomson thornbury thornton tian tierney tkachenko todd
tomas toomey torres tóth touré townsend tran traore traoré trelawney tremayne tremblay trivedi
truong tsai tucker turner tyler unger valdez valencia valentini varga vargas varma vasiliev
vasquez vásquez vaughan vázquez vega velasco velazquez vera verhoeven verma vidal vieira villa
villanueva vincent virtanen visser vitale vo vogel vogl vogt volkov volkova vos vries vu wagner
walczak walker wall wallace walsh walter walters walton wang wanjiku ward warner warren watanabe
waters watkins watson watts waverly webb weber webster wei weiss weiß wells werner west wheeler
whelan whitaker white whitehead whitfield whitmore wieczorek wijk wikström wilkins wilkinson
willems williams williamson willis wilson wimmer winkler winter winthrop wiśniewski
wojciechowski wójcik wolcott wolf wolff wong wood woods woodward worthington wright wróbel wu
wyatt wyk xavier xiao xie xu yadav yakovlev yamada yamaguchi yamamoto yamazaki yang ye yeung
yıldız yılmaz yoon yoshida young yousef yu yuan yun zaitsev zając zakharov zaman zamora zapata
zeng zhang zhao zheng zhou zhu zieliński zimmermann zulu
`;
