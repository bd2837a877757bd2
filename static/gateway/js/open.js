// The link's first page: this script spends the link (a POST) and goes on to the session page.
// Without JavaScript nothing runs, so the link stays unspent and the page offers the way back.
document.getElementById("open-form").submit();
