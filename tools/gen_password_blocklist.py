"""Generate ``resources/passwords/common-passwords.txt``, the common-password blocklist.

No network access is needed (or allowed) to build it: the list is made of
passwords that top every public breach corpus (RockYou, the "most common
passwords" lists published each year), common words, first names, teams,
keyboard walks, digit runs and dates, plus the systematic variants people
actually use (a word followed by digits, a year or "!", a word typed twice,
"ilove" + a name). Everything is lowercase; the checker compares lowercase.

Run ``python tools/gen_password_blocklist.py`` to rewrite the file.
"""

from __future__ import annotations

import itertools
from pathlib import Path

OUTPUT = Path(__file__).resolve().parents[1] / "resources" / "passwords" / "common-passwords.txt"

TOP = """
123456 password 12345678 qwerty 123456789 12345 1234 111111 1234567 dragon 123123 baseball
abc123 football monkey letmein 696969 shadow master 666666 qwertyuiop 123321 mustang 1234567890
michael 654321 superman 1qaz2wsx 7777777 121212 000000 qazwsx 123qwe killer trustno1 jordan
jennifer zxcvbnm asdfgh hunter buster soccer harley batman andrew tigger sunshine iloveyou 2000
charlie robert thomas hockey ranger daniel starwars klaster 112233 george computer michelle
jessica pepper 1111 zxcvbn 555555 11111111 131313 freedom 777777 pass maggie 159753 aaaaaa
ginger princess joshua cheese amanda summer love ashley nicole chelsea biteme matthew access
yankees 987654321 dallas austin thunder taylor matrix mobilemail mom monitor monitoring montana
moon moscow william corvette hello martin heather secret merlin diamond 1234qwer gfhjkm hammer
silver 222222 88888888 anthony justin test bailey q1w2e3r4t5 patrick internet scooter orange
11111 golfer cookie richard samantha bigdog guitar jackson whatever mickey chicken sparky
snoopy maverick phoenix camaro peanut morgan welcome falcon cowboy ferrari samsung andrea
smokey steelers joseph mercedes dakota arsenal eagles melissa boomer booboo spider nascar
monster tigers yellow xxxxxx 123123123 gateway marina diablo bulldog qwer1234 compaq purple
hardcore banana junior hannah 123654 porsche lakers iceman money cowboys 987654 london tennis
999999 ncc1701 coffee scooby 0000 miller boston q1w2e3r4 brandon yamaha chester mother forever
johnny edward 333333 oliver redsox player nikita knight fender barney midnight please brandy
chicago badboy slayer rangers charles angel flower bigdaddy rabbit wizard bigdick jasper enter
rachel chris 7777 warrior iloveu hotdog abcdef 1q2w3e4r 12341234 qwerty123 passw0rd password1
password123 admin admin123 root toor changeme default guest login welcome1 letmein1 secret123
p@ssw0rd p@ssword pa55word passwort motdepasse contrasena senha parola salasana wachtwoord
azerty azertyuiop qwertz qwertzuiop 1q2w3e 1q2w3e4r5t 1q2w3e4r5t6y zaq12wsx zaq1xsw2 !qaz2wsx
1qazxsw2 qazwsxedc qazwsxedcrfv asdfghjkl asdfghjk asdf1234 zxcv1234 qweasd qweasdzxc
qweasdzxc123 1qaz2wsx3edc 123qweasd 123qweasdzxc qwe123 qwe123qwe asd123 zxc123 aa123456
a123456 a12345678 a1b2c3 a1b2c3d4 abcd1234 abc12345 abcdefg abcdefgh 1a2b3c 123abc
iloveyou1 iloveyou2 iloveyou123 lovely loveme lover loveyou babygirl baby angel1 princess1
sunshine1 football1 baseball1 superman1 batman1 monkey1 dragon1 shadow1 master1 michael1
jordan23 jordan1 charlie1 ashley1 jessica1 daniel1 nicole1 hannah1 qwerty1 qwerty12
qwerty1234 qwertyui qwertyu trustno1 whatever1 freedom1 starwars1 pokemon pikachu naruto
minecraft fortnite roblox zelda mario sonic pacman tetris matrix1 ninja samurai hello123
hello1 hellokitty welcome123 test123 test1234 testing demo user user123 temp temp123
1234567891 12345678910 0123456789 9876543210 01234567 0987654321 147258369 963852741
741852963 159357 147258 258369 123654789 147852369 1597532486 qwertyuiop123 1qazxsw23edc
google facebook twitter instagram youtube yahoo hotmail gmail linkedin microsoft apple
windows linux ubuntu android iphone samsung1 nokia dell lenovo office365 outlook skype
correcthorsebatterystaple correcthorse trustnoone letmeinplease iloveyoubaby
"""

WORDS = """
love angel baby princess dragon monkey shadow master sunshine flower butterfly rainbow
tiger lion bear wolf eagle falcon hawk shark dolphin whale turtle panda kitty kitten puppy
doggy doggie horse pony bunny rabbit mouse snake spider cobra viper phoenix unicorn
black white red blue green yellow orange purple pink silver golden gold diamond crystal
ruby emerald pearl jade amber star stars moon sun sky cloud storm thunder lightning rain
snow winter summer spring autumn fall ocean river lake mountain forest island beach
fire water earth wind ice magic dream dreams heaven hell devil demon angels ghost zombie
king queen prince knight warrior soldier hunter killer sniper ninja pirate wizard witch
money cash dollar rich lucky happy smile sweet honey sugar candy cookie cake pizza burger
chocolate coffee banana apple cherry orange lemon mango peach strawberry blueberry
football soccer baseball basketball hockey tennis golf rugby cricket boxing racing
music guitar piano drums rock metal punk jazz blues rap hiphop dance party disco
computer internet hacker gamer gaming player winner champion legend hero superman
batman spiderman ironman hulk thor captain marvel avengers pokemon digimon naruto
goku vegeta sasuke itachi kakashi luffy zoro onepiece bleach dbz anime manga otaku
family friend friends forever together always only onelove truelove mylove myself
jesus christ god lord heaven blessed faith grace hope peace freedom liberty america
usa canada london paris berlin tokyo texas florida california chicago boston dallas
newyork jersey brooklyn miami vegas hollywood mexico brazil india china russia germany
france spain italy england ireland scotland australia africa europe asia japan korea
secret private hidden mystery unknown nothing nobody someone anything everything
password passwort letmein welcome access login admin administrator system server
network security master123 control power energy matrix zero alpha beta gamma delta omega
sigma echo charlie bravo tango whiskey vodka beer wine tequila jack daniels marlboro
ferrari porsche mustang camaro corvette mercedes bmw audi honda toyota nissan subaru
yamaha suzuki kawasaki harley ducati ford chevy dodge jeep tesla volvo jaguar lexus
school college student teacher doctor nurse police fireman army navy marine pilot
sexy hottie cutie beauty pretty lovely gorgeous handsome babe babygirl babyboy
iloveyou loveyou loveme lover kisses hugs darling sweetheart honeybunny sweetie
monday friday sunday weekend holiday christmas easter halloween birthday
january february march april may june july august september october november december
cowboy cowgirl redneck country city street gangster thug hustler boss chief
chelsea arsenal liverpool manchester united barcelona realmadrid juventus milan
bayern celtic rangers everton tottenham lakers celtics bulls knicks yankees redsox
cowboys steelers packers patriots eagles giants raiders bears broncos dolphins
jets chargers saints falcons panthers ravens bengals browns colts texans titans
jaguars chiefs seahawks vikings lions rams cardinals bills
shadow1 matrix star wars starwars startrek trekkie jedi sith yoda vader skywalker
hogwarts harrypotter hermione gandalf frodo hobbit mordor narnia sherlock
qwerty asdf zxcv hello hi yes no maybe okay please thankyou sorry goodbye
computer1 laptop desktop keyboard mouse1 monitor printer phone mobile tablet
cheese pepper salt garlic onion tomato potato carrot pumpkin peanut butter bacon
chicken turkey beef pork fish salmon tuna shrimp lobster sushi pasta spaghetti
whiskey brandy scotch martini margarita mojito cocktail
blackcat whitecat blackdog bigdog hotdog topgun maverick goose iceman viper
rocket rockstar superstar popstar moonlight sunlight starlight twilight midnight
darkness darkside lightside shadowman nightmare nightwing blackbird bluebird
redbird songbird hummingbird ladybug dragonfly firefly bumblebee honeybee
"""

NAMES = """
james john robert michael william david richard joseph thomas charles christopher daniel
matthew anthony mark donald steven paul andrew joshua kenneth kevin brian george timothy
ronald edward jason jeffrey ryan jacob gary nicholas eric jonathan stephen larry justin
scott brandon benjamin samuel gregory alexander frank patrick raymond jack dennis jerry
tyler aaron jose adam nathan henry douglas zachary peter kyle ethan walter noah jeremy
christian keith roger terry gerald harold sean austin carl arthur lawrence dylan jesse
jordan bryan billy joe bruce gabriel logan albert willie alan juan wayne elijah randy
roy vincent ralph eugene russell bobby mason philip louis mary patricia jennifer linda
elizabeth barbara susan jessica sarah karen lisa nancy betty margaret sandra ashley
kimberly emily donna michelle carol amanda dorothy melissa deborah stephanie rebecca
sharon laura cynthia kathleen amy angela shirley anna brenda pamela emma nicole helen
samantha katherine christine debra rachel carolyn janet catherine maria heather diane
ruth julie olivia joyce virginia victoria kelly lauren christina joan evelyn judith
megan andrea cheryl hannah jacqueline martha gloria teresa ann sara madison frances
kathryn janice jean abigail alice judy sophia grace denise amber doris marilyn danielle
beverly isabella theresa diana natalie brittany charlotte marie kayla alexis lori
jasmine chloe mia ava lily zoe ella sophie bella luna daisy molly maggie bailey buddy
max charlie rocky lucky duke bear toby jake jasper oscar milo leo simba coco lola
ginger pepper princess angel shadow misty smokey tigger oreo peanut cookie sammy
alex sam chris pat taylor morgan casey jamie riley avery quinn robin kim lee
carlos luis miguel pedro diego javier antonio manuel francisco alejandro fernando
ricardo roberto eduardo sergio andres pablo marco giovanni giuseppe luca matteo
pierre jean jacques michel nicolas julien mathieu thierry sebastien francois
hans klaus jurgen stefan andreas thomas markus michael tobias florian lukas
ivan dmitry sergey andrey alexey vladimir nikolai natasha olga tatiana svetlana
mohammed ahmed ali omar hassan fatima aisha yusuf ibrahim mustafa
raj rahul amit priya anita sunita vijay sanjay deepak pooja neha
wei li ming chen wang zhang liu yang huang zhao kenji yuki hiroshi sakura
"""

KEYBOARD = """
qwertyuiop asdfghjkl zxcvbnm qwertyuiopasdfghjklzxcvbnm 1234567890 0987654321
poiuytrewq lkjhgfdsa mnbvcxz 1qaz2wsx3edc4rfv 1qaz2wsx3edc4rfv5tgb 1qaz2wsx3edc4rfv5tgb6yhn
zaq12wsxcde3 zaq1zaq1 zaq1@wsx 1qaz@wsx 1q2w3e4r5t6y7u8i9o0p q1w2e3r4t5y6u7i8o9p0
qazwsxedcrfvtgbyhnujmikolp qwertyasdfgh qwertyasdfghzxcvbn asdfghjklqwertyuiop
zxcvbnmasdfghjkl 1234qwerasdfzxcv qwer1234asdf qwerasdfzxcv qweasdzxc123 123qweasdzxc
qwertyuiop[] asdfghjkl; zxcvbnm,./ !@#$%^&*() !@#$%^&* 1234567890- 1234567890-= qwerty12345
qwerty123456 qwertyuiop1 qwertyuiop12 qwertyuiop123 qwertyuiop1234 1234qwer qwer1234
1qaz2wsx3edc 3edc2wsx1qaz mju7nhy6bgt5 mnbvcxzasdfghjkl poiuytrewqasdfghjkl azertyuiopqsdfghjklm
"""

SUFFIXES = (
    "1", "12", "123", "1234", "12345", "123456", "!", "1!", "123!", "01", "69", "007", "321",
)
YEARS = tuple(str(year) for year in range(1985, 2031))


def words(block: str) -> list[str]:
    """Split a whitespace-separated block into lowercase words."""
    return [word.lower() for word in block.split()]


def digit_runs() -> set[str]:
    """Repeated digits and counting sequences of every length 4..16."""
    out: set[str] = set()
    for digit in "0123456789":
        for length in range(4, 17):
            out.add(digit * length)
    ascending = "12345678901234567890"
    descending = "98765432109876543210"
    for length in range(4, 17):
        for start in range(10):
            out.add(ascending[start : start + length])
            out.add(descending[start : start + length])
    return out


def dates() -> set[str]:
    """Birth dates as people type them: ddmmyyyy, mmddyyyy, yyyymmdd (1970-2009)."""
    out: set[str] = set()
    for year in range(1970, 2010):
        for month in range(1, 13):
            for day in (1, 10, 15, 20, 25):
                out.add(f"{day:02d}{month:02d}{year}")
                out.add(f"{month:02d}{day:02d}{year}")
                out.add(f"{year}{month:02d}{day:02d}")
    return out


def build() -> list[str]:
    """The whole blocklist, sorted and de-duplicated."""
    top = words(TOP)
    common = words(WORDS)
    names = words(NAMES)
    keyboard = words(KEYBOARD)
    bases = sorted(set(top) | set(common) | set(names) | set(keyboard))
    out: set[str] = set(bases)
    for base in bases:
        out.update(base + suffix for suffix in SUFFIXES)
        out.add(base + base)
    for base in sorted(set(top) | set(names)):
        out.update(base + year for year in YEARS)
    for name in names + common[:200]:
        out.add("ilove" + name)
        out.add("iloveyou" + name)
        out.add("ilove" + name + "123")
        out.add("my" + name)
        out.add("my" + name + "123")
    for first, second in itertools.product(top[:60], ("123", "1234", "12345", "2024", "!")):
        out.add(first + first + second)
    out.update(digit_runs())
    out.update(dates())
    return sorted(word for word in out if len(word) >= 4 and word.isprintable())


def main() -> None:
    """Write the blocklist file."""
    entries = build()
    OUTPUT.parent.mkdir(parents=True, exist_ok=True)
    OUTPUT.write_text("\n".join(entries) + "\n", encoding="utf-8")
    print(f"wrote {len(entries)} passwords to {OUTPUT}")


if __name__ == "__main__":
    main()
