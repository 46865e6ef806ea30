// Common given names across cultures (English, Irish, Welsh, German, Dutch, Nordic, French, Italian,
// Spanish, Portuguese, Slavic, Hungarian, Greek, Arabic, Persian, Turkish, Hebrew, South Asian, East and
// Southeast Asian romanised, West, East and Southern African), lower-case, written from general
// knowledge for the free-text name rules. Whitespace-separated.

/** Given names, lower-case, separated by whitespace. */
export const GIVEN_NAMES = `
aamir aarav aaron aarti abbas abbie abby abdallah abdoulaye abdul abdullah abdulrahman abebe
abena abhishek abigail abimbola abril achieng ada adaeze adam adama addison adebayo adeel
adekunle adel adèle adelheid adeola adewale adeyemi aditi aditya adnan adolfo adrian adriana
adriano adrien adrienne afia afonso afua agata agathe agnes ágnes agnetha agnieszka agus agustín
agustina ahmad ahmed ahmet ai aidan aiden aiko aileen ailsa aimée aino aisha aisling ajay akash
akiko akinyi akira akosua akshay alain alan alana alastair alba albert alberta alberto alec aled
alejandra alejandro aleksander aleksandr aleksandra aleksei alessandra alessandro alessio alex
alexa alexander alexandra alexandre alexandru alexei alexis alfie alfonso alfred alfredo ali
alice alicia alicja alina aline aliou alison alistair alla allan allen allison ally almaz alois
alok alphonse álvaro alyssa ama amaka amal amanda amani amara amare amber amelia amélie amihan
amina aminata amir amira amit amita amparo amrita amy an ana ana-lúcia anaïs anand ananya anas
anastasia anatoly anders andrás andré andrea andreas andrei andrés andrew andrzej andy aneta
ángel angela ángela angelina angelo angie anh anikó anil anis anita anja anjali anke ankit
ankita ann anna annabel annabelle anne anne-sophie annegret annelie annette annie annika anouk
ante anthony antoine anton antonella antonia antonio antónio antônio anu anupam anusha aoife
apolline april araceli arash archie arianna arif arjun arkady arlene armand armando armin arnaud
arnav arnold artem arthur arturo artyom arun aruna arvid arvind åsa asad asha ashley ashok
ashton ashwin asif asma astrid athena atieno attila aubrey audrey augusto aurélie aurélien
aurora austin ava avery avi avraham awa axel axelle ayaka ayesha aylin ayo ayodele ayşe ayu
ayumi aziz babak babatunde bahram balázs bambang bao baptiste baraka barbara barış barry
bartholomew bartłomiej bartosz bashir bastian bastien bayani beata beatrice béatrice beatrix
beatriz becky behnaz belinda bella ben bence benedetta benedikt benito benjamin benoît berk
bernadette bernard bernardo bernd bernice berta bertrand beth bethany bettina betty beverly
bharat bhavna bilal bill billy binh birgit birgitta björn blake blanca bo bo-ra bob bobby bodo
bogdan bola bongani bonnie boris boubacar bożena brad bradley bram brandon brenda brendan brent
brett brian briana bríd bridget brigid brigitte britt brittany bronwen brooke bruce bruna bruno
bryan bryce budi bukola burak caio caitlin caleb callum calvin cameron camila camille can
candace candela caoimhe capucine carl carla carlo carlos carly carmela carmen carmine carol
carolina caroline carolyn carrie carsten casey cassandra catalina caterina cathal catherine
cathy cecil cecilia cecília cedric celia céline cem cerys césar cesare chad chae-won chaim
chandra chantal charlene charles charlie charlotte chau chege cheikh chelsea chen cheryl chester
chetan chiamaka chiara chidi chidinma chihiro chijioke chika chinedu chinonso chioma chloe chris
christa christelle christian christiane christina christine christoph christophe christopher
christos chukwudi chukwuemeka chun cian ciara ciaran cillian cindy claire clara clarence claude
claudia cláudia claudio cláudio claudius clayton clémence clement clément clifford clint clive
cody colette colin colleen colm conall conceição concepción connie connor conor constance
consuelo corentin corey cormac cornelia cornelius corrado courtney craig crispin cristian
cristiano cristina cristóbal crystal csaba cuong curtis cynthia cyril czesław da-eun daan dafydd
dag dagmar daichi daisuke daisy dakota dale dalia dalisay dallas damian damien damon dan dana
daniel dániel daniela daniele danielle danny daphne dara daria dario darius dariush dariusz
darlene darren darryl darya daryl dave david davide dawit dawn dayo dean deanna debbie deborah
debra declan deepa deepak deepika deirdre delia delphine denis denise deniz dennis derek dervla
desmond despina destiny detlef dev devi dewi dhruv diana diane dianne didier diego dieter digby
dimitra dimitrios dina dinesh diogo dirk dirk-jan divya djibril dmitri dmitry dolores domenico
dominic dominique don donal donald donatella donna donnacha doreen dorian doris dorota dorothy
doug douglas dov dragan duarte duncan dung dustin dwayne dylan eamon eamonn earl ebele ebenezer
ebru ed eddie edgar edith edmond edmund edna édouard edson eduarda eduardo edward edwin eero
efua egon eileen eimear einar eirlys eitan eithne ekaterina ekkehard eko ekow elaine eleanor
elena eleni eleonora elfriede eli eliana elif elijah elin elina elisa elisângela elise eliza
elizabeth elke ella ellen ellie elliot elliott élodie eloise éloïse elsa elsie elspeth elżbieta
emanuel emanuele emeka emel emer emi emil émile émilie emilio emily emine emma emmanuel
emmanuelle emre emrys encarnación enda enrico enrique enzo eoin eri eric éric erica erich erik
erika erin ernest ernst erzsébet esi espen esperanza esra esteban esther eszter ethan ethel
étienne eugene eugenia eun-ji eunice eustace eva evan evangeline evelyn evgeny ewa ewald ezra
fabiana fabien fabienne fabio fábio fabrice fabrizio fadi fahad faisal faith fang farah farhad
farhan farid farnaz farzana fatih fatima fatma fatou fawad fay federica federico fei felicity
felipe felix femi femke ferenc fereshteh fergus fernanda fernando filip filippo finlay finn
fiona fionn fionnuala firas fitri flávia flavio flávio fleur floor flora florence florent
florian florin floyd folake frances francesca francesco francine francis francisca francisco
franco françois françoise frank franklin franz franziska fred freddie freddy frédéric frederick
frédérique freya frida frieda friedrich fritz fumiko funke funmilayo fyodor gábor gabriel
gabriela gabriele gabrielle gaël gaëlle gaetano gail galina gang gareth garrett gary gaston
gaurav gavin geert geeta gemma gene genet geneviève gennady geoffrey georg george georges
georgia georgina georgios gerald geraldine gérard gerardo gerd gerda gerhard gerrit gertrud
gethin ghada giacomo giang gianluca gianni gideon gila gilbert gilberto gilles gillian gina
ginette giorgia giorgio giovanna giovanni gisela gita giulia giulio giuseppe giuseppina gizem
gladys glen glenda glenn glenys gloria godfrey gökhan golnar gonçalo gonzalo gopal goran gordon
götz govind graça grace graciela graham grainne gráinne grant graziella grażyna greg grégoire
gregory grigory grzegorz guadalupe gudrun guilherme guillaume guillermo gunnar günter günther
gustaf gustav gustavo guy gwen gwendolyn gwyneth györgy ha-eun habib habiba hadas hadi haile
hailey hakan håkan hala haley halina hamid hamish hamza hana hanh hani hanna hannah hanne
hannelore hans hansjörg hao harald harish harold harper harriet harriett harrison harry harsha
hartmut haruka haruki haruto harvey hasan hasina hassan hatice hayat hayato hayden hazel heather
héctor heidi heike heiko heinrich heinz helen helena hélène helga helle helmut heloísa hema
hendra hendrik hendrika henk henning henri henrik henrique henry henryk herbert hermann hernán
hervé hiba hideki hieu hikari hilda hildegard himanshu hina hind hiroko hiromi hiroshi hiroto
hitomi hoa hoang holger holly hong hope horace horst hossein howard hua hubert hugh hugo hugues
hui hülya hung hunter huong hussein huw huy hye-jin hyun-woo ian ibrahim ibrahima idun iestyn
ifan ifeanyi ifeoma ignacio ignatius igor ikechukwu ilan ilaria ildikó ilse ilya imad iman imani
imogen imran indah indira ineke inés inès inês inga ingeborg ingo ingrid inigo inna ioan ioana
ioanna ion irena irene irfan irina iris irmgard isa isaac isabel isabella isabelle isadora
ishaan isla ismael ismail istván itai ivan ivana ivar ivy iwona jaap jabari jacek jack jackie
jackson jacob jacqueline jacques jade jadwiga jahangir jaime jake jakob jakub jamal james jamie
jamila jan jana jane janet janice janina janneke jannik janusz jared jarosław jasmine jason
jasper javier jay jaya jayden jean jean-baptiste jean-claude jean-luc jean-marc jean-paul
jean-pierre jeanette jeanne jeff jeffrey jelena jemima jenna jennifer jenny jens jérémie jeremy
jeroen jerome jérôme jerry jerzy jesse jessica jesús ji-ho ji-hoon ji-min ji-woo ji-yeon jia
jian jiang jie jill jim jimena jimmy jin jin-woo jing jiří jitka jo joachim joan joana joanna
joanne joão joaquim joaquín jocelyn jochen jodie joe joel joël joey johan johanna johannes john
johnny joko jolanta jon jonas jonathan joon-ho joost jordan jörg jorge joris josé josé-luis
josée josef josefa joseph josephine josh joshua josiane josip joy joyce józef juan juana judit
judith judy julia julian julián juliana julie julien juliette julio júlio juma jumoke jun junaid
june jung-ho junko jürgen jussi justin justyna jutta jyoti kabir kaede kagiso kai kaisa kaitlyn
kaito kalle kamal kamau kamil kamran kamrul kaori karabo karen karim karin karina karl
karl-heinz karol karolina karsten kartika kashif katalin katarzyna kate kateřina katharina
katherine kathleen kathryn kathy katie katja katrin katya kaveh kavita kavya kay kayla kazimierz
kazuki kazuo kees keiko keith kelechi kelly kelsey kemal ken kendra kenji kenneth kent kenta
kerry kerstin kevin kgosi khady khaled khalid khalil khanh kieran kim kimberly kinga kipchoge
kiprono kiran kirill kirsi kirsty kit kjell klaus kofi koji kojo konrad konstantinos kostas kris
krishna kristen kristian kristin krisztina krystyna krzysztof ksenia kumar kumiko kurt kwabena
kwadwo kwaku kwame kwasi kwesi kyle laetitia lætitia laila lajos lakshmi lalit lan lance lanre
larisa larissa larry lars lasse lászló laura laure lauren laurence laurent lauri lawrence layla
léa leah lee lei leif leigh leila lemlem lena leni lenka lennart leon léon leonard leonardo
leonie léonie leopold lerato leslie leszek leticia letícia lev lewis leyla li liadan liam lian
lidia lieke ligaya liisa lillian lily lin lina linda lindiwe lindsay lindsey ling linh linnea
lionel lior lisa lívia lloyd logan loïc lois lola long lorcan lorena lorenzo lorna lorraine
lothar lotte louis louise lourdes lowri lu luana ľubomír luc luca lucas lucia lucía luciana
luciano lucie lucien lucy ludovic luigi luis luís luisa luiza luíza luka lukas łukasz luke lutz
luuk lwazi lydia lynn lynne lyudmila maarten mabel macarena maciej mackenzie madeleine madeline
madhu madison mads maeve magdalena maggie magnus maha mahesh mahmoud mahmud mahnoor mahsa mai
maik máire mairead mairéad majid makoto maksim malcolm małgorzata malik malin mamadou mami
mandla mandy manfred manish manoj manon manuel manuela mao marc marcel marcela marcello marcelo
márcia marcin marco marcos marcus mareike marek margaret margarida margarita margaux margherita
margie marguerite maria maría mariam mariama marian mariana marianne marie marie-claire
marie-hélène marieke marija marilyn marina marine mario marion marisol mariusz marjorie mark
markéta marko markus marlene marlies marsha marshall marta márta martha martin martín martina
martine marvin mary maryam marzena masahiro masaki masako mason massimo matej mateja mateo
mateusz matheus mathias mathieu mathilde matilda mats matt matteo matthew matthias matti maureen
mauricio maurício maurizio max maxim maxime maximilian maxine maya mayara mayumi meena meera
mees megan megumi mehdi mehmet mehran mei meike meir mekdes melanie mélanie melike melissa
melvin mercedes meredith meron merve mette mia michael michał michel michela michele micheline
michelle michiko mieczysław miguel mihaela mihai mihály miho mika mikael mike mikhail miki mikko
miklós milagros milan mildred miles milica millie milos miloš milou min min-ho min-jun min-seo
mina ming minh minna minoru miranda mireille miriam mirko miroslav mirosław misaki mitra mitsuko
miyu mohamed mohammad mohammed mohan molly momoko mona monica mónica monika monique monir
montague morgan morten moshe mostafa moussa mpho mukesh mungo murat muriel murielle mustafa
mwangi my mylène na nabil nada nadeem nadezhda nadia nadine naji nam nancy nandi nandini naoki
naoko naomi nasima nasrin nasser natalia natalie natasha nathalie nathan nathaniel natsuki
naveed naveen ndeye neema neha neil nell nelly nga ngoc ngozi nhung niall niamh nicholas nick
nicola nicolae nicolas nicolás nicole nicoletta niels nigel nikhil nikita niklas niko nikola
nikolai nikolett nikos nils ning nisha nitin njeri nkechi nkosi nnamdi noa noah noam nobuo noel
noelia noémie nomvula noor nora norbert noriko norma norman nour noura nuno nur nyambura obinna
océane octavio odile ofer oisin oisín oksana ola oladipo olaf olamide ole oleg olga oliver
olivia olivier olufemi olumide oluwadamilare oluwaseun oluwatobi oluwatosin omar ömer ondřej
onur onyeka oren orla orlaith orsolya ortrud osama oscar óscar oskar otávio otieno ottilie otto
oumar ousmane outi owen özge pablo padma padraig pádraig paige päivi palesa pallavi paloma pam
pamela panagiotis pankaj paola paolo parisa parviz pascal pascale pasquale patrice patricia
patrícia patricio patrick patrizia patsy paul paula paulina pauline paulo pavel pavla paweł
payam pearl pedro peggy pekka penelope penny per percy peregrine pernille perpetua perrine pete
peter péter petr petra phil philip philippe phillip phoebe phuong phyllis piero pierre piers
pieter pietro pilar ping piotr piper polina polly pooja posy prakash pranav prasad pratik preeti
prem priscila priscilla priya priyanka przemysław putri qiang qing quang quentin quynh rabia
rachel radek radu rafael rafaela rafał rafe raffaele raffaella rafiq ragnar rahim rahul raimundo
rainer raj rajan rajesh rajiv rakesh ralf ralph raluca ram ramesh rami ramiro ramón rana randall
randy rani rania raphaël raphaëlle raquel rashid rashida rasmus raúl ravi ray raymond rebeca
rebecca reem reggie regina reginald régis rei reiko reinhard réka rekha rémi ren renata renate
renato renaud rené rens reuben reza rhian rhodri rhonda rhys ricardo riccardo richard rick ricky
riikka riku riley rima rin rina rita ritu rivka rizal rizwan rob robert roberta roberto robin
rocco rocío rodney rodrigo rogelio roger rogério rohan rohit roisin róisín roland rolf romain
roman rommel ron ronald ronan ronit ronnie roos rosa rosalind rosana rosaria rosario rose
rosemary ross rossella roy roya rubén ruby ruchi rüdiger rui rupert ruslan russell ruth ruud
ryan ryo ryota ryszard ryu sabah sabine sachiko sachin sadie saeed sahil said saima sakura salah
salem salim sally salma salman salvador salvatore sam samantha sami samir samira samuel samuele
sana sanaz sandeep sándor sandra sandrine sandro sandy sanjay sanjeev sanna sanne santiago
santosh sapna sara sarah sarita sascha satish satoshi satu savannah sawsan sayaka scarlett scott
seamus séamus sean sebastian sebastião sébastien seema segun selam selin sem seo-yeon seo-yun
serena serge sergei sergey sergio sérgio serkan seth seun seung-hoon séverine sevgi seydou
seymour shadi shafiq shahid shahram shai shalini shamima shan shane shannon shanti sharmila
sharon shaun shawn sheila shelby shelley sheng sherif sheryl shilpa shinji shira shirin shirley
shiv shlomo shoaib shota shreya shruti shu shyam sian siân siddharth sidney siegfried signe
sigrid silas silje silke silvana silvia simon simona simone sinead sinéad siobhan siobhán sipho
siti sizwe sjoerd skylar smita sneha snežana so-yeon sofia sofía sohail soheila sola soledad
solène solveig son sonia sônia soo-jin sophia sophie sora sorcha sorin spencer spyros sri
sridhar stacey stacy stanislav stanisław stanley stavros stefan ștefan stefania stefanie stefano
steffen stella stéphane stephanie stéphanie stephen steve steven stewart stig stijn stuart sudha
sue sultan suman sumit sune sung-min sunil sunita suresh susan susana susanne sushila suzanne
svea sven svetlana swati swen sydney sylvain sylvia sylvie sylwia szilvia szymon tabitha tadeusz
tadhg tahir tahmina takahiro takashi takeshi tal tam tamar tamara tamás tamer tammy tamsin tanja
tanveer tanvi tanvir tanya tao tara taras tarek tariq taro tarun tatiana tatyana taylor tayo ted
teemu tegan temitope teresa tereza terrence terri terry tessa thabo thandiwe thanh thao themba
théo theodore theresa thiago thibault thierry thijs thilo thomas thorsten thu thuy tiago tien
tiffany tigist tim timothée timothy timur tina ting tiziana tobi tobias toby todd tolu tom tomás
tomasz tomislav tommaso tommy tomoko tomoya toni tony torsten tove tracey tracy trang travis
trevor tricia trine tristan troy trung tsegaye tsubasa tuan tuba tumelo tuncay tunde tung tuomas
tuula tyler uche uchenna uday udo ulf ulla ulrich ulrika ulrike uma umut ursula urszula usha
usman uta ute uwe václav vadim valentina valeria valéria valerie valérie valerio valery van
vanesa vanessa varun vasiliki vasily vera vernon veronica verónica vesna vicente vicki vickie
victor víctor victoria vijay vikas vikram viktor ville vinay vincent vincenzo vinícius vinod
violet virginia virginie vishal vitaly vitória vittoria vittorio vivek vivian vlad vladimir
vladimír vladislav volkan volker vy vyacheslav wade wael wagner wahyu waleed walid walter
waltraud wambui wanda wanjiru waqar warren wayne wei wellington wen wendy werner wesley whitney
wiesław wiktor wiktoria wilfred wilhelm will william willie willow wilma wim winifred winston
wojciech wolfgang wolfram woo-jin wouter wyatt xavier xia xiao ximena xin xiomara xiu xuan xue
yaakov yael yan yana yang yann yannick yannis yaroslav yasaman yash yasin yasmin yasmine yaw
ye-jin yekaterina yelena yemi yesenia yetunde yevgeny yi yiannis ying yitzhak yogesh yoko
yolanda yonas yong yosef yoshiko yoshiro young-ho yousef youssef yu yu-jin yuan yudi yui yuka
yuki yuko yulia yuma yumi yun yuna yuri yusuf yusuke yuta yves yvette yvonne zachary zafar zaid
zainab zanele zara zawadi zayd zbigniew zdeněk zdzisław zehra zev zeynep zhanna zhen zhi zhong
ziad zodwa zoe zoé zoë zofia zoltán zoran zsófia zsuzsanna zubair zulema zuri zuzana zuzanna
zygmunt
`;
