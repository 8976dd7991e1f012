/* test_jsonpath.c - JSONPath compile and evaluation with Jayway JsonPath
 * (Synapse json-eval) semantics: result shapes of definite and indefinite
 * paths, every selector form, filters, deep scan, slices, and compile
 * errors with offsets. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json/json.h"

/* every tree of this file lives here; freed at the end */
static mc_arena trees;

static const char STORE[] =
    "{\"store\":{\"book\":["
    "{\"category\":\"reference\",\"author\":\"Nigel Rees\",\"title\":\"Sayings\","
    "\"price\":8.95},"
    "{\"category\":\"fiction\",\"author\":\"Evelyn Waugh\",\"title\":\"Sword\","
    "\"price\":12.99},"
    "{\"category\":\"fiction\",\"author\":\"Herman Melville\",\"title\":\"Moby Dick\","
    "\"isbn\":\"0-553-21311-3\",\"price\":8.99},"
    "{\"category\":\"fiction\",\"author\":\"J. R. R. Tolkien\",\"title\":\"Rings\","
    "\"isbn\":\"0-395-19395-8\",\"price\":22.99}],"
    "\"bicycle\":{\"color\":\"red\",\"price\":19.95}},"
    "\"expensive\":10}";

static const char SMALL[] =
    "{\"store\":{\"book\":[{\"author\":\"a\",\"title\":\"Sayings\",\"price\":8.95},"
    "{\"author\":\"b\",\"title\":\"Sword\",\"price\":12.99}]}}";

static const char ARR[] =
    "[{\"x\":1,\"y\":\"a\"},{\"x\":2},{\"y\":\"b\"},{\"x\":null},5,\"s\",[1,2]]";

static const char NUMS[] = "{\"n\":[0,1,2,3,4,5,6,7,8,9]}";

static const char MISC[] =
    "{\"a\":{\"b\":{\"c\":\"deep\"}},\"k-1\":\"dash\",\"sp ace\":\"space\","
    "\"q'uote\":\"q\",\"$d\":\"dollar\",\"0\":\"zero\",\"\":\"empty\","
    "\"t\":true,\"f\":false,\"z\":null,\"e\":[],\"o\":{},\"s\":\"str\","
    "\"num\":1.50,\"u\":\"\xc3\xa9\",\"dot.key\":\"dk\",\"@at\":\"at\"}";

static const char MIXED[] =
    "{\"items\":["
    "{\"id\":1,\"name\":\"apple\",\"tags\":[\"red\",\"fruit\"],\"qty\":\"10\","
    "\"ok\":true,\"meta\":{\"w\":1.5}},"
    "{\"id\":2,\"name\":\"Banana\",\"tags\":[],\"qty\":7,\"ok\":false,"
    "\"meta\":{\"w\":0.2}},"
    "{\"id\":3,\"name\":\"cherry\",\"tags\":[\"red\"],\"qty\":null,"
    "\"meta\":{}},"
    "{\"id\":4,\"name\":\"10\",\"tags\":[\"x\",\"y\",\"z\"],\"qty\":10.0}"
    "],\"limit\":5,\"want\":\"apple\",\"big\":12345678901234567890}";

static const char NAMES[] =
    "{\"\\u00e9\":1,\"\\ud83d\\ude00\":2,\"a\\nb\":3,\"\\u20ac\":4,"
    "\"t\\tb\":5,\"q\\\"\":6,\"b\\\\s\":7,\"s'q\":8,\"list\":[[null,true],[false],"
    "[\"it's\",\"say \\\"hi\\\"\"]]}";

typedef struct {
    const char *doc;
    const char *path;
    int definite;
    int found;
    const char *text;
} eval_case;

#define D 1
#define I 0
#define F 1
#define NF 0

static const eval_case cases[] = {
    /* ---- definite paths: scalar text, object/array JSON, not found */
    {STORE, "$.store.book[0].title", D, F, "Sayings"},
    {STORE, "$['store']['book'][0]['title']", D, F, "Sayings"},
    {STORE, "$[\"store\"][\"book\"][0][\"title\"]", D, F, "Sayings"},
    {STORE, "$.store['book'][0].title", D, F, "Sayings"},
    {STORE, "$.store.book.[0].title", D, F, "Sayings"},
    {STORE, "$[ 'store' ][ \"book\" ][ 0 ][ 'title' ]", D, F, "Sayings"},
    {STORE, "$.store.book[1].author", D, F, "Evelyn Waugh"},
    {STORE, "$.store.book[-1].title", D, F, "Rings"},
    {STORE, "$.store.book[-4].title", D, F, "Sayings"},
    {STORE, "$.store.book[-5].title", D, NF, ""},
    {STORE, "$.store.book[4].title", D, NF, ""},
    {STORE, "$.store.book[3].isbn", D, F, "0-395-19395-8"},
    {STORE, "$.store.book[0].isbn", D, NF, ""},
    {STORE, "$.store.bicycle.color", D, F, "red"},
    {STORE, "$.store.bicycle", D, F, "{\"color\":\"red\",\"price\":19.95}"},
    {STORE, "$.store.bicycle.price", D, F, "19.95"},
    {STORE, "$.store.book[0].price", D, F, "8.95"},
    {STORE, "$.expensive", D, F, "10"},
    {STORE, "$.missing", D, NF, ""},
    {STORE, "$.store.missing.deeper", D, NF, ""},
    {STORE, "$.expensive.x", D, NF, ""},
    {STORE, "$.store.book.title", D, NF, ""},
    {STORE, "$.store.bicycle[0]", D, NF, ""},
    {STORE, "$.expensive[0]", D, NF, ""},
    {STORE, "$.store.book[0]", D, F,
     "{\"category\":\"reference\",\"author\":\"Nigel Rees\",\"title\":\"Sayings\","
     "\"price\":8.95}"},
    {SMALL, "$", D, F, SMALL},
    {SMALL, "@", D, F, SMALL},
    {SMALL, "$.store.book[0].title", D, F, "Sayings"},
    {SMALL, "store.book[1].title", D, F, "Sword"},
    {SMALL, "  $.store.book[1].title  ", D, F, "Sword"},
    {SMALL, "@.store.book[1].title", D, F, "Sword"},
    {SMALL, "$.store.book", D, F,
     "[{\"author\":\"a\",\"title\":\"Sayings\",\"price\":8.95},"
     "{\"author\":\"b\",\"title\":\"Sword\",\"price\":12.99}]"},

    /* ---- indefinite paths: always a JSON array */
    {SMALL, "$..author", I, F, "[\"a\",\"b\"]"},
    {SMALL, "$.store.book[?(@.price < 10)].title", I, F, "[\"Sayings\"]"},
    {SMALL, "$.store.book[*].title", I, F, "[\"Sayings\",\"Sword\"]"},
    {SMALL, "$..missing", I, F, "[]"},
    {SMALL, "$.store.book[5:]", I, F, "[]"},
    {SMALL, "$.store.book[?(@.price > 100)].title", I, F, "[]"},
    {STORE, "$..author", I, F,
     "[\"Nigel Rees\",\"Evelyn Waugh\",\"Herman Melville\",\"J. R. R. Tolkien\"]"},
    {STORE, "$.store.book[*].author", I, F,
     "[\"Nigel Rees\",\"Evelyn Waugh\",\"Herman Melville\",\"J. R. R. Tolkien\"]"},
    {STORE, "$.store.book[*]['author']", I, F,
     "[\"Nigel Rees\",\"Evelyn Waugh\",\"Herman Melville\",\"J. R. R. Tolkien\"]"},
    {STORE, "$.store.book.*.title", I, F,
     "[\"Sayings\",\"Sword\",\"Moby Dick\",\"Rings\"]"},
    {STORE, "$.store.bicycle.*", I, F, "[\"red\",19.95]"},
    {STORE, "$.store.bicycle[*]", I, F, "[\"red\",19.95]"},
    {STORE, "$.store..price", I, F, "[8.95,12.99,8.99,22.99,19.95]"},
    {STORE, "$..price", I, F, "[8.95,12.99,8.99,22.99,19.95]"},
    {STORE, "$..['price']", I, F, "[8.95,12.99,8.99,22.99,19.95]"},
    {STORE, "$..book[2].title", I, F, "[\"Moby Dick\"]"},
    {STORE, "$..book[-1:].title", I, F, "[\"Rings\"]"},
    {STORE, "$..book[-2].title", I, F, "[\"Moby Dick\"]"},
    {STORE, "$..book[0,1].title", I, F, "[\"Sayings\",\"Sword\"]"},
    {STORE, "$..book[:2].title", I, F, "[\"Sayings\",\"Sword\"]"},
    {STORE, "$..book[1:3].title", I, F, "[\"Sword\",\"Moby Dick\"]"},
    {STORE, "$.store.book[*].isbn", I, F, "[\"0-553-21311-3\",\"0-395-19395-8\"]"},
    {STORE, "$.store.bicycle..*", I, F, "[\"red\",19.95]"},
    {STORE, "$..bicycle.color", I, F, "[\"red\"]"},

    /* ---- filters */
    {STORE, "$..book[?(@.isbn)].title", I, F, "[\"Moby Dick\",\"Rings\"]"},
    {STORE, "$..book[?(!@.isbn)].title", I, F, "[\"Sayings\",\"Sword\"]"},
    {STORE, "$.store.book[?(@.price < 10)].title", I, F, "[\"Sayings\",\"Moby Dick\"]"},
    {STORE, "$.store.book[?(@.price<10)].title", I, F, "[\"Sayings\",\"Moby Dick\"]"},
    {STORE, "$.store.book[?(@.price <= 8.99)].title", I, F,
     "[\"Sayings\",\"Moby Dick\"]"},
    {STORE, "$.store.book[?(@.price > 20)].title", I, F, "[\"Rings\"]"},
    {STORE, "$.store.book[?(@.price >= 22.99)].title", I, F, "[\"Rings\"]"},
    {STORE, "$.store.book[?(10 > @.price)].title", I, F, "[\"Sayings\",\"Moby Dick\"]"},
    {STORE, "$.store.book[?(@.category == 'reference')].title", I, F, "[\"Sayings\"]"},
    {STORE, "$.store.book[?(@.category == \"reference\")].title", I, F, "[\"Sayings\"]"},
    {STORE, "$.store.book[?(@.category != 'fiction')].title", I, F, "[\"Sayings\"]"},
    {STORE, "$.store.book[?(@['category'] == 'reference')].title", I, F,
     "[\"Sayings\"]"},
    {STORE, "$.store.book[?(@.price < $.expensive)].title", I, F,
     "[\"Sayings\",\"Moby Dick\"]"},
    {STORE, "$.store.book[?(@.price > $['expensive'])].title", I, F,
     "[\"Sword\",\"Rings\"]"},
    {STORE, "$.store.book[?(@.category == 'fiction' && @.price < 10)].title", I, F,
     "[\"Moby Dick\"]"},
    {STORE, "$.store.book[?(@.category == 'reference' || @.price > 20)].title", I, F,
     "[\"Sayings\",\"Rings\"]"},
    {STORE,
     "$.store.book[?(@.price > 10 && (@.category == 'reference' || @.isbn))].title",
     I, F, "[\"Rings\"]"},
    {STORE, "$.store.book[?(@.price > 22 || @.price < 9 && @.isbn)].title", I, F,
     "[\"Moby Dick\",\"Rings\"]"},
    {STORE, "$.store.book[?((@.price > 22 || @.price < 9) && @.isbn)].title", I, F,
     "[\"Moby Dick\",\"Rings\"]"},
    {STORE, "$.store.book[?(!(@.price > 10))].title", I, F, "[\"Sayings\",\"Moby Dick\"]"},
    {STORE, "$.store.book[?(  @.price   >   20  )].title", I, F, "[\"Rings\"]"},
    {STORE, "$.store.book[?(@.author =~ /.*Rees/)].title", I, F, "[\"Sayings\"]"},
    {STORE, "$.store.book[?(@.author =~ /.*rees/i)].title", I, F, "[\"Sayings\"]"},
    {STORE, "$.store.book[?(@.author =~ /Rees/)].title", I, F, "[]"},
    {STORE, "$.store.book[?(@.isbn =~ /\\d-\\d{3}-\\d+-\\d/)].title", I, F,
     "[\"Moby Dick\",\"Rings\"]"},
    {STORE, "$.store.book[?(@.title =~ /(Sword|Rings)/)].price", I, F,
     "[12.99,22.99]"},
    {STORE, "$..book[?(@.price == 8.95)].title", I, F, "[\"Sayings\"]"},
    {STORE, "$..book[?(@.price == '8.95')].title", I, F, "[\"Sayings\"]"},
    {STORE, "$..book[?(@.price === 8.95)].title", I, F, "[\"Sayings\"]"},
    {STORE, "$..book[?(@.price === '8.95')].title", I, F, "[]"},
    {STORE, "$..book[?(@.price !== '8.95')].title", I, F,
     "[\"Sayings\",\"Sword\",\"Moby Dick\",\"Rings\"]"},
    {STORE, "$.store.book[?(@.category in ['reference','x'])].title", I, F,
     "[\"Sayings\"]"},
    {STORE, "$.store.book[?(@.category nin ['fiction'])].title", I, F, "[\"Sayings\"]"},
    {STORE, "$.store.book[?(@.title size 5)].title", I, F, "[\"Sword\",\"Rings\"]"},
    {STORE, "$.store.book[?(@.isbn empty false)].title", I, F,
     "[\"Moby Dick\",\"Rings\"]"},
    {STORE, "$..[?(@.color)]", I, F, "[{\"color\":\"red\",\"price\":19.95}]"},
    {STORE, "$..[?(@.price > 20)].title", I, F, "[\"Rings\"]"},
    {STORE, "$..book[?(@.price < 10)].price", I, F, "[8.95,8.99]"},
    {STORE, "$.store.book[?(@.price < 10)]['title','price']", I, F,
     "[{\"title\":\"Sayings\",\"price\":8.95},{\"title\":\"Moby Dick\",\"price\":8.99}]"},
    {STORE, "$.store[?(@.color)]", I, F, "[]"},
    {STORE, "$.store.bicycle[?(@.color == 'red')].price", I, F, "[19.95]"},
    {STORE, "$.store.bicycle[?(@.color == 'blue')].price", I, F, "[]"},
    {STORE, "$.expensive[?(@ > 1)]", I, F, "[]"},

    /* ---- multi-name selector (Jayway: merged object at the leaf) */
    {STORE, "$.store.book[0]['title','price']", D, F,
     "{\"title\":\"Sayings\",\"price\":8.95}"},
    {STORE, "$.store.book[0]['price','title']", D, F,
     "{\"price\":8.95,\"title\":\"Sayings\"}"},
    {STORE, "$.store.book[0]['title','nope']", D, F, "{\"title\":\"Sayings\"}"},
    {STORE, "$.store.book[0]['nope','nope2']", D, F, "{}"},
    {STORE, "$.store.book[0]['title','title']", D, F, "{\"title\":\"Sayings\"}"},
    {STORE, "$.store.book['a','b']", D, NF, ""},
    {STORE, "$.store.book[0:2]['title','isbn']", I, F,
     "[{\"title\":\"Sayings\"},{\"title\":\"Sword\"}]"},
    {STORE, "$..['title','isbn']", I, F,
     "[{\"title\":\"Moby Dick\",\"isbn\":\"0-553-21311-3\"},"
     "{\"title\":\"Rings\",\"isbn\":\"0-395-19395-8\"}]"},
    {STORE, "$['store']['bicycle','nothing']", D, F,
     "{\"bicycle\":{\"color\":\"red\",\"price\":19.95}}"},
    {STORE, "$.store['bicycle','book'].color", I, F, "[\"red\"]"},

    /* ---- arrays at the top, wildcards, deep scan of arrays */
    {ARR, "$[*].x", I, F, "[1,2,null]"},
    {ARR, "$[*]['x']", I, F, "[1,2,null]"},
    {ARR, "$.*.x", I, F, "[1,2,null]"},
    {ARR, "$[0].x", D, F, "1"},
    {ARR, "$[3].x", D, F, "null"},
    {ARR, "$[2].x", D, NF, ""},
    {ARR, "$[4]", D, F, "5"},
    {ARR, "$[5]", D, F, "s"},
    {ARR, "$[6]", D, F, "[1,2]"},
    {ARR, "$[6][1]", D, F, "2"},
    {ARR, "$[-1][0]", D, F, "1"},
    {ARR, "$[-1][-1]", D, F, "2"},
    {ARR, "$[7]", D, NF, ""},
    {ARR, "$.x", D, NF, ""},
    {ARR, "$[*].y", I, F, "[\"a\",\"b\"]"},
    {ARR, "$[?(@.x)]", I, F, "[{\"x\":1,\"y\":\"a\"},{\"x\":2},{\"x\":null}]"},
    {ARR, "$[?(@.x == null)]", I, F, "[{\"x\":null}]"},
    {ARR, "$[?(@.x != 1)]", I, F,
     "[{\"x\":2},{\"y\":\"b\"},{\"x\":null},5,\"s\",[1,2]]"},
    {ARR, "$[?(@.x > 1)]", I, F, "[{\"x\":2}]"},
    {ARR, "$[?(@ == 5)]", I, F, "[5]"},
    {ARR, "$[?(@ == 's')]", I, F, "[\"s\"]"},
    {ARR, "$[?(@ == [1,2])]", I, F, "[[1,2]]"},
    {ARR, "$[?(@ == {\"x\":2})]", I, F, "[{\"x\":2}]"},
    {ARR, "$[?(@.y > 'a')]", I, F, "[{\"y\":\"b\"}]"},
    {ARR, "$[?(@.y >= 'a')].y", I, F, "[\"a\",\"b\"]"},
    {ARR, "$[0:2]", I, F, "[{\"x\":1,\"y\":\"a\"},{\"x\":2}]"},
    {ARR, "$[5:]", I, F, "[\"s\",[1,2]]"},
    {ARR, "$[-2:]", I, F, "[\"s\",[1,2]]"},
    {ARR, "$[:-5]", I, F, "[{\"x\":1,\"y\":\"a\"},{\"x\":2}]"},
    {ARR, "$[*][*]", I, F, "[1,\"a\",2,\"b\",null,1,2]"},
    {ARR, "$..x", I, F, "[1,2,null]"},
    {ARR, "$..[0]", I, F, "[{\"x\":1,\"y\":\"a\"},1]"},
    {ARR, "$..[1]", I, F, "[{\"x\":2},2]"},
    {ARR, "$..*", I, F,
     "[{\"x\":1,\"y\":\"a\"},{\"x\":2},{\"y\":\"b\"},{\"x\":null},5,\"s\",[1,2],"
     "1,\"a\",2,\"b\",null,1,2]"},
    {ARR, "$[6][?(@ > 1)]", I, F, "[2]"},

    /* ---- slices and index lists (Jayway rules) */
    {NUMS, "$.n[2:5]", I, F, "[2,3,4]"},
    {NUMS, "$.n[:3]", I, F, "[0,1,2]"},
    {NUMS, "$.n[7:]", I, F, "[7,8,9]"},
    {NUMS, "$.n[-3:]", I, F, "[7,8,9]"},
    {NUMS, "$.n[:-7]", I, F, "[0,1,2]"},
    {NUMS, "$.n[-2:20]", I, F, "[8,9,0,1,2,3,4,5,6,7,8,9]"},
    {NUMS, "$.n[-3:2]", I, F, "[7,8,9,0,1]"},
    {NUMS, "$.n[1:-1]", I, F, "[]"},
    {NUMS, "$.n[3:3]", I, F, "[]"},
    {NUMS, "$.n[5:2]", I, F, "[]"},
    {NUMS, "$.n[8:100]", I, F, "[8,9]"},
    {NUMS, "$.n[100:]", I, F, "[]"},
    {NUMS, "$.n[-100:]", I, F, "[0,1,2,3,4,5,6,7,8,9]"},
    {NUMS, "$.n[:100]", I, F, "[0,1,2,3,4,5,6,7,8,9]"},
    {NUMS, "$.n[:-100]", I, F, "[]"},
    {NUMS, "$.n[0:0]", I, F, "[]"},
    {NUMS, "$.n[ 1 : 3 ]", I, F, "[1,2]"},
    {NUMS, "$.n[0,2,-1]", I, F, "[0,2,9]"},
    {NUMS, "$.n[ 0 , 2 ]", I, F, "[0,2]"},
    {NUMS, "$.n[0,1,2,3,4,5,6]", I, F, "[0,1,2,3,4,5,6]"},
    {NUMS, "$.n[1,1]", I, F, "[1,1]"},
    {NUMS, "$.n[1,50,-50]", I, F, "[1]"},
    {NUMS, "$.n[*]", I, F, "[0,1,2,3,4,5,6,7,8,9]"},
    {NUMS, "$.n.*", I, F, "[0,1,2,3,4,5,6,7,8,9]"},
    {NUMS, "$.n[?(@ > 6)]", I, F, "[7,8,9]"},
    {NUMS, "$.n[?(@ >= 3 && @ < 5)]", I, F, "[3,4]"},
    {NUMS, "$.n[?(@ < 2 || @ > 8)]", I, F, "[0,1,9]"},
    {NUMS, "$.n[?(@ in [1,3])]", I, F, "[1,3]"},
    {NUMS, "$.n[?(@ nin [1,3,5,7,9])]", I, F, "[0,2,4,6,8]"},
    {NUMS, "$.n[?(@ == '4')]", I, F, "[4]"},
    {NUMS, "$.n[?(@ == 4.0)]", I, F, "[4]"},
    {NUMS, "$.n[?(@ == -0)]", I, F, "[0]"},
    {NUMS, "$.n[?(@ > 1e0 && @ < 0.3E1)]", I, F, "[2]"},
    {NUMS, "$.n[?(@ =~ /[2-4]/)]", I, F, "[2,3,4]"},
    {NUMS, "$.n[ 2 ]", D, F, "2"},
    {NUMS, "$.n[-10]", D, F, "0"},
    {NUMS, "$.n[-11]", D, NF, ""},
    {NUMS, "$.n.length", D, NF, ""},
    {NUMS, "$..[2]", I, F, "[2]"},
    {NUMS, "$..[1:3]", I, F, "[1,2]"},

    /* ---- names: odd characters, scalars of every type */
    {MISC, "$.a.b.c", D, F, "deep"},
    {MISC, "a.b.c", D, F, "deep"},
    {MISC, "$.a.b", D, F, "{\"c\":\"deep\"}"},
    {MISC, "$..c", I, F, "[\"deep\"]"},
    {MISC, "$..b.c", I, F, "[\"deep\"]"},
    {MISC, "$.k-1", D, F, "dash"},
    {MISC, "$['k-1']", D, F, "dash"},
    {MISC, "$['sp ace']", D, F, "space"},
    {MISC, "$['q\\'uote']", D, F, "q"},
    {MISC, "$[\"q'uote\"]", D, F, "q"},
    {MISC, "$.$d", D, F, "dollar"},
    {MISC, "$['$d']", D, F, "dollar"},
    {MISC, "$.@at", D, F, "at"},
    {MISC, "$.0", D, F, "zero"},
    {MISC, "$['0']", D, F, "zero"},
    {MISC, "$['']", D, F, "empty"},
    {MISC, "$['dot.key']", D, F, "dk"},
    {MISC, "$.dot.key", D, NF, ""},
    {MISC, "$['\\u0064ot.key']", D, F, "dk"},
    {MISC, "$.t", D, F, "true"},
    {MISC, "$.f", D, F, "false"},
    {MISC, "$.z", D, F, "null"},
    {MISC, "$.z.x", D, NF, ""},
    {MISC, "$.e", D, F, "[]"},
    {MISC, "$.e[0]", D, NF, ""},
    {MISC, "$.e[*]", I, F, "[]"},
    {MISC, "$.o", D, F, "{}"},
    {MISC, "$.o.*", I, F, "[]"},
    {MISC, "$.s", D, F, "str"},
    {MISC, "$.num", D, F, "1.50"},
    {MISC, "$.u", D, F, "\xc3\xa9"},
    {MISC, "$['u']", D, F, "\xc3\xa9"},
    {MISC, "$.a.*", I, F, "[{\"c\":\"deep\"}]"},
    {MISC, "$.a[*]", I, F, "[{\"c\":\"deep\"}]"},
    {MISC, "$.a..*", I, F, "[{\"c\":\"deep\"},\"deep\"]"},
    {MISC, "$.a['b','x']", D, F, "{\"b\":{\"c\":\"deep\"}}"},
    {MISC, "$['t','f','z']", D, F, "{\"t\":true,\"f\":false,\"z\":null}"},
    {MISC, "$['a','s'].c", I, F, "[]"},
    {MISC, "$['a','o'].b", I, F, "[{\"c\":\"deep\"}]"},
    {MISC, "$.a[?(@.b)]", I, F, "[{\"b\":{\"c\":\"deep\"}}]"},
    {MISC, "$.a[?(@.b.c == 'deep')].b.c", I, F, "[\"deep\"]"},
    {MISC, "$.a[?(@.x)]", I, F, "[]"},
    {MISC, "$.s[0]", D, NF, ""},
    {MISC, "$.s[?(@)]", I, F, "[]"},
    {MISC, "$.s.*", I, F, "[]"},

    /* ---- escapes in bracket names */
    {NAMES, "$['\\u00e9']", D, F, "1"},
    {NAMES, "$['\\u00E9']", D, F, "1"},
    {NAMES, "$['\xc3\xa9']", D, F, "1"},
    {NAMES, "$.\xc3\xa9", D, F, "1"},
    {NAMES, "$['\\ud83d\\ude00']", D, F, "2"},
    {NAMES, "$['\\ud83d']", D, NF, ""},
    {NAMES, "$['a\\nb']", D, F, "3"},
    {NAMES, "$['\\u20ac']", D, F, "4"},
    {NAMES, "$['t\\tb']", D, F, "5"},
    {NAMES, "$['q\"']", D, F, "6"},
    {NAMES, "$[\"q\\\"\"]", D, F, "6"},
    {NAMES, "$['b\\\\s']", D, F, "7"},
    {NAMES, "$['s\\'q']", D, F, "8"},
    {NAMES, "$[\"s'q\"]", D, F, "8"},
    {NAMES, "$['\\b\\f\\r']", D, NF, ""},
    {NAMES, "$['\\/']", D, NF, ""},
    {NAMES, "$.list[?(@ == [null,true])]", I, F, "[[null,true]]"},
    {NAMES, "$.list[?(@ == [false])]", I, F, "[[false]]"},
    {NAMES, "$.list[?(@ == [true])]", I, F, "[]"},
    {NAMES, "$.list[?(@ == {})]", I, F, "[]"},
    {NAMES, "$.list[?(@ size 2)]", I, F,
     "[[null,true],[\"it's\",\"say \\\"hi\\\"\"]]"},
    {NAMES, "$.list[2][?(@ in ['it\\'s'])]", I, F, "[\"it's\"]"},
    {NAMES, "$.list[2][?(@ in ['say \"hi\"'])]", I, F, "[\"say \\\"hi\\\"\"]"},
    {NAMES, "$.list[2][?(@ == \"say \\\"hi\\\"\")]", I, F,
     "[\"say \\\"hi\\\"\"]"},
    {NAMES, "$.list[2][?(@ == 'it\\'s')]", I, F, "[\"it's\"]"},

    /* ---- filter value semantics */
    {MIXED, "$.items[?(@.qty == 10)].id", I, F, "[1,4]"},
    {MIXED, "$.items[?(@.qty == '10')].id", I, F, "[1,4]"},
    {MIXED, "$.items[?(@.qty > 5)].id", I, F, "[2,4]"},
    {MIXED, "$.items[?(@.qty == null)].id", I, F, "[3]"},
    {MIXED, "$.items[?(@.qty)].id", I, F, "[1,2,3,4]"},
    {MIXED, "$.items[?(@.ok)].id", I, F, "[1,2]"},
    {MIXED, "$.items[?(@.ok == true)].id", I, F, "[1]"},
    {MIXED, "$.items[?(@.ok == false)].id", I, F, "[2]"},
    {MIXED, "$.items[?(@.ok != true)].id", I, F, "[2,3,4]"},
    {MIXED, "$.items[?(@.ok == 'true')].id", I, F, "[]"},
    {MIXED, "$.items[?(@.name == 'apple')].id", I, F, "[1]"},
    {MIXED, "$.items[?(@.name == $.want)].id", I, F, "[1]"},
    {MIXED, "$.items[?(@.name == 10)].id", I, F, "[4]"},
    {MIXED, "$.items[?(@.name < 'b')].id", I, F, "[1,2,4]"},
    {MIXED, "$.items[?(@.name > 'B' && @.name < 'C')].id", I, F, "[2]"},
    {MIXED, "$.items[?(@.name =~ /^[a-c].*/)].id", I, F, "[1,3]"},
    {MIXED, "$.items[?(@.name =~ /BANANA/i)].id", I, F, "[2]"},
    {MIXED, "$.items[?(@.name =~ /\\d+/)].id", I, F, "[4]"},
    {MIXED, "$.items[?(@.name =~ /A P P L E/xi)].id", I, F, "[1]"},
    {MIXED, "$.items[?(@.name =~ /ap.le/s)].id", I, F, "[1]"},
    {MIXED, "$.items[?(@.name =~ /^cherry$/m)].id", I, F, "[3]"},
    {MIXED, "$.items[?(@.name =~ /\\w+/u)].id", I, F, "[1,2,3,4]"},
    {MIXED, "$.items[?(/^[0-9]+$/ =~ @.name)].id", I, F, "[4]"},
    {MIXED, "$.items[?(@.name =~ 'apple')].id", I, F, "[]"},
    {MIXED, "$.items[?(@.meta =~ /.+/)].id", I, F, "[]"},
    {MIXED, "$.items[?(@.meta =~ /.*/)].id", I, F, "[1,2,3,4]"},
    {MIXED, "$.items[?(@.missing =~ /.*/)].id", I, F, "[1,2,3,4]"},
    {MIXED, "$.items[?(@.id =~ /[13]/)].name", I, F, "[\"apple\",\"cherry\"]"},
    {MIXED, "$.items[?(@.ok =~ /tr.e/)].id", I, F, "[1]"},
    {MIXED, "$.items[?(@.meta.w > 1)].id", I, F, "[1]"},
    {MIXED, "$.items[?(@.meta.w)].id", I, F, "[1,2]"},
    {MIXED, "$.items[?(@['meta']['w'] < 1)].id", I, F, "[2]"},
    {MIXED, "$.items[?(@.tags[0] == 'red')].id", I, F, "[1,3]"},
    {MIXED, "$.items[?(@.tags[-1] == 'z')].id", I, F, "[4]"},
    {MIXED, "$.items[?(@.tags[*])].id", I, F, "[1,3,4]"},
    {MIXED, "$.items[?(@.tags[?(@ == 'y')])].id", I, F, "[4]"},
    {MIXED, "$.items[?(@.tags size 3)].id", I, F, "[4]"},
    {MIXED, "$.items[?(@.tags size 0)].id", I, F, "[2]"},
    {MIXED, "$.items[?(@.tags empty true)].id", I, F, "[2]"},
    {MIXED, "$.items[?(@.tags empty false)].id", I, F, "[1,3,4]"},
    {MIXED, "$.items[?(@.meta empty true)].id", I, F, "[3]"},
    {MIXED, "$.items[?(@.tags[*] empty true)].id", I, F, "[2]"},
    {MIXED, "$.items[?(@.name empty false)].id", I, F, "[1,2,3,4]"},
    {MIXED, "$.items[?(@.id empty false)].id", I, F, "[]"},
    {MIXED, "$.items[?(@.meta == [1])].id", I, F, "[]"},
    {MIXED, "$.items[?(@.meta == {\"w\":1.5,\"x\":1})].id", I, F, "[]"},
    {MIXED, "$.items[?(@.meta == {\"v\":1.5})].id", I, F, "[]"},
    {MIXED, "$.items[?(@.tags == ['red','x'])].id", I, F, "[]"},
    {MIXED, "$.items[?(@.tags[*] == ['red'])].id", I, F, "[3]"},
    {MIXED, "$.items[?(@.tags[*] == {\"a\":1})].id", I, F, "[]"},
    {MIXED, "$.items[?(@.tags[*] size 1)].id", I, F, "[3]"},
    {MIXED, "$.items[?(@.id size 1)].id", I, F, "[]"},
    {MIXED, "$.items[?(@.name size '5')].id", I, F, "[]"},
    {MIXED, "$.items[?(@.id in 2)].id", I, F, "[]"},
    {MIXED, "$.items[?(@.id in {\"a\":2})].id", I, F, "[]"},
    {MIXED, "$.items[?(@.id nin $.nothing)].id", I, F, "[1,2,3,4]"},
    {MIXED, "$.items[?(@.id === 2)].id", I, F, "[2]"},
    {MIXED, "$.items[?(@.meta === {\"w\":0.2})].id", I, F, "[2]"},
    {MIXED, "$.items[?(@.tags[*] === ['red'])].id", I, F, "[3]"},
    {MIXED, "$.items[?(@.ok === null)].id", I, F, "[]"},
    {MIXED, "$.items[?(@.qty === null)].id", I, F, "[3]"},
    {MIXED, "$.items[?(@.qty !== null)].id", I, F, "[1,2,4]"},
    {MIXED, "$.items[?(@.ok < true)].id", I, F, "[]"},
    {MIXED, "$.items[?(@.meta > 1)].id", I, F, "[]"},
    {MIXED, "$.items[?(@.tags == ['red'])].id", I, F, "[3]"},
    {MIXED, "$.items[?(@.tags == [\"red\",\"fruit\"])].id", I, F, "[1]"},
    {MIXED, "$.items[?(@.meta == {\"w\":0.2})].id", I, F, "[2]"},
    {MIXED, "$.items[?(@.tags[*] == ['x','y','z'])].id", I, F, "[4]"},
    {MIXED, "$.items[?('red' in @.tags)].id", I, F, "[1,3]"},
    {MIXED, "$.items[?(@.id in [2, 4, 6])].name", I, F, "[\"Banana\",\"10\"]"},
    {MIXED, "$.items[?(@.name in ['apple', 'x'])].id", I, F, "[1]"},
    {MIXED, "$.items[?(@.missing != 1)].id", I, F, "[1,2,3,4]"},
    {MIXED, "$.items[?(@.missing == 1)].id", I, F, "[]"},
    {MIXED, "$.items[?(@.missing < 1 || @.missing >= 1)].id", I, F, "[]"},
    {MIXED, "$.items[?(@.id < $.limit && @.id > 2)].id", I, F, "[3,4]"},
    {MIXED, "$.items[?(@.id == $.nothing)].id", I, F, "[]"},
    {MIXED, "$.items[?(@.id > 1 && @.id < 4 && @.ok)].id", I, F, "[2]"},
    {MIXED, "$.items[?(@.id == 1 || @.id == 2 || @.id == 4)].id", I, F, "[1,2,4]"},
    {MIXED, "$.items[?(!(@.id == 1 || @.id == 2))].id", I, F, "[3,4]"},
    {MIXED, "$.items[?(!@.ok)].id", I, F, "[3,4]"},
    {MIXED, "$.items[?(@.id == 1)].tags[1]", I, F, "[\"fruit\"]"},
    {MIXED, "$.items[?(@.id == 1)].meta", I, F, "[{\"w\":1.5}]"},
    {MIXED, "$.items[?(@.qty == 10.00)].id", I, F, "[4]"},
    {MIXED, "$.big", D, F, "12345678901234567890"},
    {MIXED, "$[?(@.big == 12345678901234567890)].limit", I, F, "[5]"},
    {MIXED, "$[?(@.limit == 5)].want", I, F, "[\"apple\"]"},
    {MIXED, "$..[?(@.w < 1)]", I, F, "[{\"w\":0.2}]"},
    {MIXED, "$..meta[?(@.w)].w", I, F, "[1.5,0.2]"},
    {MIXED, "$..tags[0]", I, F, "[\"red\",\"red\",\"x\"]"},
    {MIXED, "$..tags[-1:]", I, F, "[\"fruit\",\"red\",\"z\"]"},
    {MIXED, "$..tags.*", I, F, "[\"red\",\"fruit\",\"red\",\"x\",\"y\",\"z\"]"},
    {MIXED, "$.items[1:3].name", I, F, "[\"Banana\",\"cherry\"]"},
    {MIXED, "$.items[-1].tags[1]", D, F, "y"},
    {MIXED, "$.items[0].meta.w", D, F, "1.5"},
};

static void run_case(const eval_case *c)
{
    mc_err err = {0};
    mc_json doc = mc_json_parse(&trees, c->doc, strlen(c->doc), &err);
    if (!doc)
        fail_msg("document for '%s' does not parse: %s", c->path, err.msg);
    mc_jsonpath *p = mc_jsonpath_compile(c->path, &err);
    if (!p)
        fail_msg("'%s' does not compile: %s", c->path, err.msg);
    if (mc_jsonpath_is_definite(p) != (c->definite == D))
        fail_msg("'%s' should be %s", c->path,
                 c->definite == D ? "definite" : "indefinite");
    mc_buf b = MC_BUF_INIT;
    bool found = !c->found;
    mc_jsonpath_eval(p, doc, &b, &found);
    if (found != (c->found == F))
        fail_msg("'%s': found=%d, expected %d (text '%s')", c->path, found,
                 c->found, mc_buf_cstr(&b));
    if (strcmp(mc_buf_cstr(&b), c->text) != 0)
        fail_msg("'%s': got '%s', expected '%s'", c->path, mc_buf_cstr(&b),
                 c->text);

    /* select agrees with eval: same number of matches, same texts */
    mc_json out[64];
    size_t n = mc_jsonpath_select(p, doc, out, 64);
    if (!c->found) {
        assert_int_equal(n, 0);
    } else if (c->definite == D) {
        assert_true(n <= 64);
    } else {
        mc_buf r = MC_BUF_INIT;
        mc_buf_putc(&r, '[');
        for (size_t i = 0; i < n && i < 64; i++) {
            if (i)
                mc_buf_putc(&r, ',');
            mc_json_write(&r, out[i]);
        }
        mc_buf_putc(&r, ']');
        /* merged objects are written by eval but selected member by member */
        if (!strstr(c->path, "','") && !strstr(c->path, "\",\"") &&
            strcmp(mc_buf_cstr(&r), c->text) != 0)
            fail_msg("select '%s': got '%s', expected '%s'", c->path,
                     mc_buf_cstr(&r), c->text);
        mc_buf_free(&r);
    }
    /* evaluating again gives the same (compiled paths are reusable) */
    mc_buf b2 = MC_BUF_INIT;
    mc_jsonpath_eval(p, doc, &b2, &found);
    assert_string_equal(mc_buf_cstr(&b), mc_buf_cstr(&b2));
    mc_buf_free(&b2);
    mc_buf_free(&b);
    mc_jsonpath_free(p);
}

static void test_eval_table(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        run_case(&cases[i]);
}

/* ---- definiteness ------------------------------------------------------ */

static void test_definite(void **state)
{
    (void)state;
    static const struct {
        const char *path;
        bool definite;
    } t[] = {
        {"$", true},
        {"$.a", true},
        {"$['a']", true},
        {"$[0]", true},
        {"$[-1]", true},
        {"$.a[0].b['c'][-2]", true},
        {"$['a','b']", true},
        {"$.x['a','b']", true},
        {"$['a','b'].c", false},
        {"$[0,1]", false},
        {"$[*]", false},
        {"$.*", false},
        {"$.a.*", false},
        {"$..a", false},
        {"$.a..b", false},
        {"$[1:2]", false},
        {"$[:2]", false},
        {"$[?(@.a)]", false},
        {"$.a[?(@.b == 1)].c", false},
        {"$..[0]", false},
    };
    for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
        mc_err err = {0};
        mc_jsonpath *p = mc_jsonpath_compile(t[i].path, &err);
        if (!p)
            fail_msg("'%s': %s", t[i].path, err.msg);
        if (mc_jsonpath_is_definite(p) != t[i].definite)
            fail_msg("'%s' definite should be %d", t[i].path, t[i].definite);
        mc_jsonpath_free(p);
    }
    assert_false(mc_jsonpath_is_definite(NULL));
}

/* ---- compile errors ---------------------------------------------------- */

static const struct {
    const char *path;
    size_t offset;
    const char *what;
} bad[] = {
    {"", 0, "empty path"},
    {"   ", 3, "empty path"},
    {"$.", 1, "must not end with '.'"},
    {"$.a.", 3, "must not end with '.'"},
    {"$..", 1, "must not end with '..'"},
    {"$.a..", 3, "must not end with '..'"},
    {"$...a", 3, "unexpected '.'"},
    {"$abc", 1, "expected '.' or '[' after '$'"},
    {"$ .a", 1, "expected '.' or '[' after '$'"},
    {"$$", 1, "after '$'"},
    {"@x", 1, "after '@'"},
    {".a", 0, "must start with '$'"},
    {"$.a[", 4, "unexpected end"},
    {"$[", 2, "unexpected end"},
    {"$[]", 1, "empty brackets"},
    {"$[ ]", 1, "empty brackets"},
    {"$.a[0", 5, "unexpected end"},
    {"$.a[0,]", 6, "expected a number"},
    {"$.a[0 1]", 6, "expected ',', ':' or ']'"},
    {"$['a'", 5, "expected ',' or ']'"},
    {"$['a", 2, "unterminated string"},
    {"$[\"a']", 2, "unterminated string"},
    {"$['a',]", 6, "expected a quoted name"},
    {"$['a',", 6, "unexpected end"},
    {"$['a' 'b']", 6, "expected ',' or ']'"},
    {"$['a\\u00zz']", 4, "bad \\u escape"},
    {"$['a\\u0000']", 2, "NUL"},
    {"$.a b", 3, "whitespace"},
    {"$.a.b(", 4, "function calls are not supported"},
    {"$.length()", 2, "function calls are not supported"},
    {"$..book.length()", 8, "function calls are not supported"},
    {"$.a]", 3, "unexpected ']'"},
    {"$.a)", 3, "unexpected ')'"},
    {"$.a[0]b", 6, "expected '.' or '['"},
    {"$.a['b']c", 8, "expected '.' or '['"},
    {"$.*a", 3, "after '*'"},
    {"$[*", 3, "unexpected end"},
    {"$[* 1]", 4, "expected ']'"},
    {"$[1:2:3]", 5, "slice step is not supported"},
    {"$[:]", 1, "empty slice"},
    {"$[1:", 4, "unexpected end"},
    {"$[-]", 3, "expected a number"},
    {"$[a]", 2, "unexpected character 'a'"},
    {"$[2147483648]", 2, "out of range"},
    {"$[-2147483649]", 2, "out of range"},
    {"$[99999999999999999999]", 2, "out of range"},
    {"$[?(@.a == )]", 11, "expected a value"},
    {"$[?(@.a = 1)]", 8, "unknown operator '='"},
    {"$[?(@.a <> 1)]", 8, "unknown operator '<>'"},
    {"$[?(@.a == 1]", 12, "expected ')'"},
    {"$[?(@.a == 1)", 13, "expected ']'"},
    {"$[?(@.a)", 8, "expected ']'"},
    {"$[?@.a]", 3, "expected '('"},
    {"$[?(]", 4, "expected a value"},
    {"$[?()]", 4, "expected a value"},
    {"$[?(", 4, "unexpected end"},
    {"$[?(@.a && )]", 11, "expected a value"},
    {"$[?(@.a & @.b)]", 8, "expected '&&'"},
    {"$[?(@.a | @.b)]", 8, "expected '||'"},
    {"$[?(@.a == 1) && (@.b)]", 14, "expected ']'"},
    {"$[?(true)]", 4, "a literal needs an operator"},
    {"$[?('x')]", 4, "a literal needs an operator"},
    {"$[?(@.a anyof [1])]", 8, "unsupported operator 'anyof'"},
    {"$[?(@.a subsetof [1])]", 8, "unsupported operator 'subsetof'"},
    {"$[?(@.a =~ /abc)]", 11, "unterminated regular expression"},
    {"$[?(@.a =~ /a(/)]", 14, "bad regular expression"},
    {"$[?(@.a =~ /a/z)]", 14, "unknown regular expression flag 'z'"},
    {"$[?(@.a == 'x)]", 11, "unterminated string"},
    {"$[?(@.a == [1,2)]", 11, "bad JSON literal"},
    {"$[?(@.a == {\"a\":)]", 11, "unterminated JSON literal"},
    {"$[?(@.a == 1.2.3)]", 11, "bad number"},
    {"$[?(@.a == -)]", 11, "bad number"},
    {"$[?(@.a == 1e)]", 11, "bad number"},
    {"$[?(@.a == tru)]", 11, "expected a value"},
    {"$[?(@.a == nul)]", 11, "expected a value"},
    {"$[?(@.a == truex)]", 11, "expected a value"},
    {"$[?(@.a empty 1)]", 14, "'empty' needs true or false"},
    {"$[?(@. == 1)]", 6, "expected a name after '.'"},
    {"$[?(@.a[ == 1)]", 9, "unexpected character '='"},
    {"$[?(@.a.b( == 1)]", 8, "function calls are not supported"},
    {"$[?(@.a == 1 @.b)]", 13, "expected ')'"},
    {"$[?(!)]", 5, "expected a value"},
};

static void test_compile_errors(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        mc_err err = {0};
        mc_jsonpath *p = mc_jsonpath_compile(bad[i].path, &err);
        if (p)
            fail_msg("'%s' compiled", bad[i].path);
        assert_int_equal(err.code, MC_EPARSE);
        char prefix[300];
        snprintf(prefix, sizeof prefix, "bad JSONPath '%s': ", bad[i].path);
        if (strncmp(err.msg, prefix, strlen(prefix)) != 0)
            fail_msg("'%s': message '%s'", bad[i].path, err.msg);
        char suffix[64];
        snprintf(suffix, sizeof suffix, " at offset %zu", bad[i].offset);
        size_t ml = strlen(err.msg), sl = strlen(suffix);
        if (ml < sl || strcmp(err.msg + ml - sl, suffix) != 0)
            fail_msg("'%s': '%s', expected offset %zu", bad[i].path, err.msg,
                     bad[i].offset);
        if (!strstr(err.msg, bad[i].what))
            fail_msg("'%s': '%s' lacks '%s'", bad[i].path, err.msg, bad[i].what);
    }
    /* the example of json.h */
    mc_err err = {0};
    assert_null(mc_jsonpath_compile("$.a[", &err));
    assert_string_equal(err.msg, "bad JSONPath '$.a[': unexpected end at offset 4");
    /* NULL source and NULL err */
    assert_null(mc_jsonpath_compile(NULL, &err));
    assert_null(mc_jsonpath_compile("$[", NULL));
}

static void test_nesting_limits(void **state)
{
    (void)state;
    mc_err err = {0};
    mc_buf b = MC_BUF_INIT;
    /* nested filters */
    mc_buf_puts(&b, "$");
    for (int i = 0; i < 100; i++)
        mc_buf_puts(&b, "[?(@");
    mc_buf_puts(&b, ".a");
    for (int i = 0; i < 100; i++)
        mc_buf_puts(&b, ")]");
    assert_null(mc_jsonpath_compile(mc_buf_cstr(&b), &err));
    assert_non_null(strstr(err.msg, "nested too deeply"));
    assert_non_null(strstr(err.msg, "...'"));  /* long source shortened */

    /* deep parentheses */
    mc_buf_reset(&b);
    mc_buf_puts(&b, "$[?(");
    for (int i = 0; i < 10000; i++)
        mc_buf_putc(&b, '(');
    assert_null(mc_jsonpath_compile(mc_buf_cstr(&b), &err));
    assert_non_null(strstr(err.msg, "nested too deeply"));

    /* moderate nesting is fine */
    mc_buf_reset(&b);
    mc_buf_puts(&b, "$[?(");
    for (int i = 0; i < 20; i++)
        mc_buf_putc(&b, '(');
    mc_buf_puts(&b, "@.x == 1");
    for (int i = 0; i < 20; i++)
        mc_buf_putc(&b, ')');
    mc_buf_puts(&b, ")]");
    mc_jsonpath *p = mc_jsonpath_compile(mc_buf_cstr(&b), &err);
    assert_non_null(p);
    const char *xs = "[{\"x\":1},{\"x\":2}]";
    mc_json doc = mc_json_parse(&trees, xs, strlen(xs), NULL);
    mc_buf out = MC_BUF_INIT;
    bool found;
    mc_jsonpath_eval(p, doc, &out, &found);
    assert_string_equal(mc_buf_cstr(&out), "[{\"x\":1}]");
    mc_buf_free(&out);
    mc_jsonpath_free(p);

    /* two levels of filters */
    p = mc_jsonpath_compile("$[?(@.a[?(@.b[?(@ == 2)])])].id", &err);
    assert_non_null(p);
    const char *two = "[{\"id\":1,\"a\":[{\"b\":[1]}]},"
                      "{\"id\":2,\"a\":[{\"b\":[1,2]}]}]";
    doc = mc_json_parse(&trees, two, strlen(two), &err);
    assert_non_null(doc);
    mc_jsonpath_eval(p, doc, &out, &found);
    assert_string_equal(mc_buf_cstr(&out), "[2]");
    mc_buf_free(&out);
    mc_jsonpath_free(p);
    mc_buf_free(&b);
}

/* ---- select / eval API details ------------------------------------------ */

static bool text_is(mc_json v, const char *want)
{
    size_t n;
    const char *t = mc_json_str(v, &n);
    return t && n == strlen(want) && memcmp(t, want, n) == 0;
}

static void test_select(void **state)
{
    (void)state;
    mc_err err = {0};
    mc_json doc = mc_json_parse(&trees, STORE, strlen(STORE), &err);
    assert_non_null(doc);

    mc_jsonpath *p = mc_jsonpath_compile("$..price", &err);
    mc_json out[8];
    assert_int_equal(mc_jsonpath_select(p, doc, out, 8), 5);
    assert_int_equal(mc_json_type_of(out[0]), MC_JSON_NUMBER);
    assert_true(text_is(out[0], "8.95"));
    assert_true(text_is(out[4], "19.95"));
    /* fewer slots than matches: total count, first ones filled */
    mc_json two[2] = {NULL, NULL};
    assert_int_equal(mc_jsonpath_select(p, doc, two, 2), 5);
    assert_true(text_is(two[1], "12.99"));
    assert_int_equal(mc_jsonpath_select(p, doc, NULL, 0), 5);
    assert_int_equal(mc_jsonpath_select(p, NULL, out, 8), 0);
    mc_jsonpath_free(p);

    /* definite: the node itself, inside the tree */
    p = mc_jsonpath_compile("$.store.bicycle", &err);
    assert_int_equal(mc_jsonpath_select(p, doc, out, 8), 1);
    assert_ptr_equal(out[0], mc_json_at(mc_json_at(doc, 0), 1));
    mc_jsonpath_free(p);

    p = mc_jsonpath_compile("$.store.nothing", &err);
    assert_int_equal(mc_jsonpath_select(p, doc, out, 8), 0);
    mc_jsonpath_free(p);

    /* merge selector: member values */
    p = mc_jsonpath_compile("$.store.bicycle['price','color','x']", &err);
    assert_int_equal(mc_jsonpath_select(p, doc, out, 8), 2);
    assert_true(text_is(out[0], "19.95"));
    assert_true(text_is(out[1], "red"));
    mc_jsonpath_free(p);

    /* eval appends, tolerates a NULL found and a NULL root */
    p = mc_jsonpath_compile("$.store.bicycle.color", &err);
    mc_buf b = MC_BUF_INIT;
    mc_buf_puts(&b, "color=");
    mc_jsonpath_eval(p, doc, &b, NULL);
    assert_string_equal(mc_buf_cstr(&b), "color=red");
    bool found = true;
    mc_buf_reset(&b);
    mc_jsonpath_eval(p, NULL, &b, &found);
    assert_false(found);
    assert_int_equal(b.len, 0);
    mc_jsonpath_free(p);

    p = mc_jsonpath_compile("$..color", &err);
    mc_buf_reset(&b);
    mc_jsonpath_eval(p, NULL, &b, &found);
    assert_true(found);
    assert_string_equal(mc_buf_cstr(&b), "[]");
    mc_buf_reset(&b);
    mc_buf_puts(&b, "x");
    mc_jsonpath_eval(p, doc, &b, &found);
    assert_string_equal(mc_buf_cstr(&b), "x[\"red\"]");
    mc_jsonpath_free(p);
    mc_jsonpath_free(NULL);

    mc_buf_free(&b);
}

/* One compiled path over many documents. */
static void test_reuse(void **state)
{
    (void)state;
    mc_err err = {0};
    mc_jsonpath *p = mc_jsonpath_compile("$.a[?(@.v > 1)].v", &err);
    mc_jsonpath *d = mc_jsonpath_compile("$.a[1].v", &err);
    assert_non_null(p);
    assert_non_null(d);
    for (int i = 0; i < 200; i++) {
        char doc[128];
        snprintf(doc, sizeof doc, "{\"a\":[{\"v\":%d},{\"v\":%d},{\"v\":\"x\"}]}",
                 i, i + 1);
        mc_json v = mc_json_parse(&trees, doc, strlen(doc), &err);
        assert_non_null(v);
        mc_buf b = MC_BUF_INIT;
        bool found;
        mc_jsonpath_eval(p, v, &b, &found);
        char want[64];
        if (i > 1)
            snprintf(want, sizeof want, "[%d,%d]", i, i + 1);
        else if (i == 1)
            snprintf(want, sizeof want, "[2]");
        else
            snprintf(want, sizeof want, "[]");
        assert_string_equal(mc_buf_cstr(&b), want);
        mc_buf_reset(&b);
        mc_jsonpath_eval(d, v, &b, &found);
        assert_true(found);
        snprintf(want, sizeof want, "%d", i + 1);
        assert_string_equal(mc_buf_cstr(&b), want);
        mc_buf_free(&b);
    }
    mc_jsonpath_free(p);
    mc_jsonpath_free(d);
}

/* Many matches in a filter operand (beyond the on-stack list). */
static void test_large_lists(void **state)
{
    (void)state;
    mc_buf doc = MC_BUF_INIT;
    mc_buf_puts(&doc, "{\"a\":[");
    for (int i = 0; i < 100; i++)
        mc_buf_printf(&doc, "%s%d", i ? "," : "", i);
    mc_buf_puts(&doc, "],\"b\":[{\"v\":5},{\"v\":500}]}");
    mc_err err = {0};
    mc_json v = mc_json_parse(&trees, doc.data, doc.len, &err);
    assert_non_null(v);
    mc_jsonpath *p = mc_jsonpath_compile("$.b[?(@.v in $.a[*])].v", &err);
    assert_non_null(p);
    mc_buf b = MC_BUF_INIT;
    bool found;
    mc_jsonpath_eval(p, v, &b, &found);
    assert_string_equal(mc_buf_cstr(&b), "[5]");
    mc_jsonpath_free(p);

    p = mc_jsonpath_compile("$.b[?($.a[*] size 100)].v", &err);
    mc_buf_reset(&b);
    mc_jsonpath_eval(p, v, &b, &found);
    assert_string_equal(mc_buf_cstr(&b), "[5,500]");
    mc_jsonpath_free(p);

    p = mc_jsonpath_compile("$..*", &err);
    mc_buf_reset(&b);
    mc_jsonpath_eval(p, v, &b, &found);
    assert_int_equal(mc_jsonpath_select(p, v, NULL, 0), 2 + 100 + 2 + 2);
    mc_jsonpath_free(p);

    mc_buf_free(&b);
    mc_buf_free(&doc);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_eval_table),
        cmocka_unit_test(test_definite),
        cmocka_unit_test(test_compile_errors),
        cmocka_unit_test(test_nesting_limits),
        cmocka_unit_test(test_select),
        cmocka_unit_test(test_reuse),
        cmocka_unit_test(test_large_lists),
    };
    mc_arena_init(&trees, 4096);
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    mc_arena_free(&trees);
    return rc;
}
